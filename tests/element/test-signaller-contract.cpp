/* The element/signaller contract, seen from a signaller nobody in the
 * plugin wrote (pair-signaller.cpp, from gst/signaller.h alone):
 * webrtcsend and webrtcrecv in one process connect through it, in both
 * negotiation directions; what crosses the seam is what the header says.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "pair-signaller.h"
#include "test-pipeline.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <string>

using gstsig::test::Pipeline;

namespace {

struct Counter {
  std::atomic<int> buffers { 0 };
};

void
count_buffers (Pipeline &p, const char *sink_name, Counter *counter)
{
  GstElement *sink = p.get (sink_name);
  ASSERT_NE (sink, nullptr);
  g_object_set (sink, "signal-handoffs", TRUE, nullptr);
  g_signal_connect (sink, "handoff", G_CALLBACK (+[] (GstElement *, GstBuffer *, GstPad *,
                                                       Counter *c) { c->buffers++; }),
      counter);
  gst_object_unref (sink);
}

bool
wait_for (const std::function<bool ()> &done, int timeout_s)
{
  for (int i = 0; i < timeout_s * 20; i++) {
    if (done ())
      return true;
    g_usleep (50 * 1000);
  }
  return done ();
}

/* The stun-server of the first webrtcbin inside bin, "" if none. */
std::string
webrtcbin_stun_server (GstElement *bin)
{
  std::string result;
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (bin));
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    GstElement *e = GST_ELEMENT (g_value_get_object (&item));
    GstElementFactory *f = gst_element_get_factory (e);
    if (f && g_str_equal (GST_OBJECT_NAME (f), "webrtcbin") && result.empty ()) {
      gchar *stun = nullptr;
      g_object_get (e, "stun-server", &stun, nullptr);
      result = stun ? stun : "";
      g_free (stun);
    }
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
  return result;
}

class SignallerContract : public ::testing::Test {
protected:
  void SetUp () override { pair_test::register_scheme (); }
  void TearDown () override { pair_test::reset (); }

  /* Media flows from s to r through pair://name?query; returns how many
   * buffers r delivered within 20 s (it stops at 30). */
  void run (const std::string &query, const std::string &send_extra)
  {
    std::string uri = "pair://" + name_ + query;
    /* Two pipelines, as a sender and a recorder would be. */
    Pipeline sender ("videotestsrc is-live=true ! video/x-raw,width=320,height=240,"
                     "framerate=30/1 ! webrtcsend name=s video-codecs=vp8 "
                     "meta=meta,name=contract " + send_extra + " uri=\"" + uri + "\" "
                     "audiotestsrc is-live=true ! s.");
    Pipeline receiver ("webrtcrecv name=r uri=\"" + uri + "\" r.video_0 ! fakesink name=k");
    ASSERT_NE (sender.pipeline, nullptr);
    ASSERT_NE (receiver.pipeline, nullptr);
    Counter counter;
    count_buffers (receiver, "k", &counter);
    ASSERT_NE (gst_element_set_state (sender.pipeline, GST_STATE_PLAYING),
        GST_STATE_CHANGE_FAILURE);
    ASSERT_NE (gst_element_set_state (receiver.pipeline, GST_STATE_PLAYING),
        GST_STATE_CHANGE_FAILURE);
    EXPECT_TRUE (wait_for ([&] () { return counter.buffers >= 30; }, 30))
        << "webrtcrecv delivered " << counter.buffers << " buffers";
    for (Pipeline *p : { &sender, &receiver }) {
      if (GstMessage *error = p->pop_error ()) {
        GError *err = nullptr;
        gchar *debug = nullptr;
        gst_message_parse_error (error, &err, &debug);
        ADD_FAILURE () << "error from " << GST_OBJECT_NAME (GST_MESSAGE_SRC (error)) << ": "
                       << err->message << " (" << (debug ? debug : "") << ")";
        g_clear_error (&err);
        g_free (debug);
        gst_message_unref (error);
      }
    }
    GstElement *send = sender.get ("s"), *recv = receiver.get ("r");
    sent_ = pair_test::record_of (send);
    received_ = pair_test::record_of (recv);
    stun_ = webrtcbin_stun_server (send);
    gst_element_set_state (sender.pipeline, GST_STATE_NULL);
    gst_element_set_state (receiver.pipeline, GST_STATE_NULL);
    sent_after_stop_ = pair_test::record_of (send);
    gst_object_unref (send);
    gst_object_unref (recv);
  }

  std::string name_ = ::testing::UnitTest::GetInstance ()->current_test_info ()->name ();
  pair_test::Record sent_, received_, sent_after_stop_;
  std::string stun_;
};

} // namespace

/* The producer offers; the settings tell each signaller who it serves. */
TEST_F (SignallerContract, ProducerOffersThroughAThirdPartySignaller)
{
  run ("?ice=stun://127.0.0.1:3478&slow-sdp=300", "max-consumers=3");
  EXPECT_TRUE (sent_.started);
  EXPECT_EQ (sent_.role, GST_SIG_SIGNALLER_ROLE_PRODUCER);
  EXPECT_EQ (received_.role, GST_SIG_SIGNALLER_ROLE_CONSUMER);
  ASSERT_EQ (sent_.video_codecs.size (), 1u);
  EXPECT_EQ (sent_.video_codecs[0], "vp8");
  EXPECT_EQ (received_.video_codecs.size (), 3u); /* webrtcrecv's default vp8,h264,vp9 */
  EXPECT_EQ (sent_.max_sessions, 3u);
  EXPECT_NE (sent_.meta.find ("contract"), std::string::npos) << sent_.meta;
  /* Our description, then candidates: never a candidate first, even when
   * the description takes 300 ms to go out while webrtcbin gathers. */
  EXPECT_EQ (sent_.descriptions, 1u);
  EXPECT_GT (sent_.candidates, 0u);
  EXPECT_EQ (sent_.early_candidates, 0u);
  EXPECT_EQ (received_.descriptions, 1u);
  EXPECT_EQ (received_.early_candidates, 0u);
  /* ICE servers the signaller learnt reach the session's webrtcbin. */
  EXPECT_EQ (stun_, "stun://127.0.0.1:3478");
  /* Stopping ends the session on our side, saying so, before stop. */
  ASSERT_FALSE (sent_after_stop_.ends.empty ());
  EXPECT_EQ (sent_after_stop_.ends.back (), GST_SIG_SESSION_END_STOPPING);
}

/* consumer_offers: webrtcrecv makes a receive-only offer, webrtcsend
 * answers it (session-requested with the offer). */
TEST_F (SignallerContract, ConsumerOffersWhenTheSignallerSaysSo)
{
  run ("?consumer-offers=1&slow-sdp=300", "");
  EXPECT_EQ (received_.descriptions, 1u);
  EXPECT_EQ (received_.early_candidates, 0u);
  EXPECT_EQ (sent_.descriptions, 1u);
  EXPECT_EQ (sent_.early_candidates, 0u);
  EXPECT_TRUE (stun_.empty ()) << stun_;
}

/* max-consumers is the element's to enforce: the one too many is refused
 * with GST_SIG_SESSION_END_BUSY, which the signaller can tell its peer. */
TEST_F (SignallerContract, TheOneTooManyIsRefusedAsBusy)
{
  std::string uri = "pair://" + name_;
  Pipeline p ("videotestsrc is-live=true ! webrtcsend name=s video-codecs=vp8 max-consumers=1 "
              "uri=" + uri + " "
              "webrtcrecv name=r1 uri=" + uri + " ! fakesink name=k1 "
              "webrtcrecv name=r2 uri=" + uri + " ! fakesink name=k2");
  ASSERT_NE (p.pipeline, nullptr);
  ASSERT_NE (gst_element_set_state (p.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  GstElement *send = p.get ("s");
  EXPECT_TRUE (wait_for ([&] () {
    for (auto end : pair_test::record_of (send).ends)
      if (end == GST_SIG_SESSION_END_BUSY)
        return true;
    return false;
  }, 20));
  guint consumers = 0;
  g_object_get (send, "consumers", &consumers, nullptr);
  EXPECT_EQ (consumers, 1u);
  gst_object_unref (send);
}
