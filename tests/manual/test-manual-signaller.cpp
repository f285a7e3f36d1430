/* webrtcsend -> webrtcrecv in one process, connected by the manual
 * signaller: through files (manual:///DIR), and through the application
 * API ("local-token" / "paste") with bad pastes first; the wait timeout.
 * Runs inside a loopback-only network namespace (run-in-netns.sh).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "signallers/manual/manual-token.h"
#include "test-data.h"
#include "test-pipeline.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <string>

using gstsig::test::Pipeline;

namespace {

struct SinkCount {
  std::atomic<int> buffers { 0 };

  void attach (GstElement *sink)
  {
    g_object_set (sink, "signal-handoffs", TRUE, nullptr);
    g_signal_connect (sink, "handoff",
        G_CALLBACK (+[] (GstElement *, GstBuffer *, GstPad *, SinkCount *self) {
          self->buffers++;
        }), this);
  }
  bool wait (int n, int timeout_s = 30)
  {
    for (int i = 0; i < timeout_s * 20 && buffers < n; i++)
      g_usleep (50 * 1000);
    return buffers >= n;
  }
};

/* (transfer full) */
GObject *
signaller_of (Pipeline &p, const char *name)
{
  GstElement *element = p.get (name);
  GObject *signaller = gst_child_proxy_get_child_by_name (GST_CHILD_PROXY (element), "signaller");
  gst_object_unref (element);
  return signaller;
}

std::string
string_property (GObject *object, const char *name)
{
  gchar *value = nullptr;
  g_object_get (object, name, &value, nullptr);
  std::string out = value ? value : "";
  g_free (value);
  return out;
}

struct TempDir {
  std::string path;
  TempDir ()
  {
    gchar *dir = g_dir_make_tmp ("manual-XXXXXX", nullptr);
    path = dir;
    g_free (dir);
  }
  ~TempDir ()
  {
    for (const char *name : { "offer.txt", "answer.txt" })
      g_unlink ((path + "/" + name).c_str ());
    g_rmdir (path.c_str ());
  }
};

const char *SENDER = "videotestsrc is-live=true ! video/x-raw,width=320,height=240,"
                     "framerate=30/1 ! webrtcsend name=s video-codecs=vp8 uri=";

void
expect_no_error (Pipeline &p)
{
  GstMessage *error = p.pop_error ();
  if (error) {
    GError *err = nullptr;
    gst_message_parse_error (error, &err, nullptr);
    ADD_FAILURE () << err->message;
    g_clear_error (&err);
    gst_message_unref (error);
  }
}

} // namespace

TEST (ManualSignaller, FilesInOneDirectory)
{
  TempDir dir;
  Pipeline sender (std::string (SENDER) + "manual://" + dir.path);
  Pipeline receiver ("webrtcrecv name=r uri=manual://" + dir.path + " ! fakesink name=k");
  SinkCount count;
  GstElement *sink = receiver.get ("k");
  count.attach (sink);
  gst_object_unref (sink);

  ASSERT_NE (gst_element_set_state (sender.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  ASSERT_NE (gst_element_set_state (receiver.pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  EXPECT_TRUE (count.wait (30)) << "got " << count.buffers << " buffers";
  expect_no_error (sender);
  expect_no_error (receiver);

  /* Both files were consumed; the tokens are on the properties. */
  EXPECT_FALSE (g_file_test ((dir.path + "/offer.txt").c_str (), G_FILE_TEST_EXISTS));
  EXPECT_FALSE (g_file_test ((dir.path + "/answer.txt").c_str (), G_FILE_TEST_EXISTS));
  GObject *sig = signaller_of (sender, "s");
  EXPECT_FALSE (string_property (sig, "offer").empty ());
  EXPECT_FALSE (string_property (sig, "answer").empty ());
  g_object_unref (sig);
}

struct Crossing {
  GObject *sender = nullptr;
  GObject *receiver = nullptr;
  std::atomic<int> offers { 0 }, answers { 0 };
};

TEST (ManualSignaller, ApplicationApiSurvivesBadPastes)
{
  Pipeline sender (std::string (SENDER) + "\"manual:?compress=1\"");
  Pipeline receiver ("webrtcrecv name=r uri=manual: ! fakesink name=k");
  SinkCount count;
  GstElement *sink = receiver.get ("k");
  count.attach (sink);
  gst_object_unref (sink);

  Crossing crossing;
  crossing.sender = signaller_of (sender, "s");
  crossing.receiver = signaller_of (receiver, "r");
  g_object_set (crossing.sender, "stdio", FALSE, nullptr);
  g_object_set (crossing.receiver, "stdio", FALSE, nullptr);
  gboolean compress = FALSE;
  g_object_get (crossing.sender, "compress", &compress, nullptr);
  EXPECT_TRUE (compress);

  /* The offer goes to the receiver after two bad pastes. */
  g_signal_connect (crossing.sender, "local-token",
      G_CALLBACK (+[] (GObject *, const gchar *token, Crossing *c) {
        EXPECT_EQ (std::string (token).rfind ("z:", 0), 0u);
        g_signal_emit_by_name (c->receiver, "paste", "this is not a token");
        g_signal_emit_by_name (c->receiver, "paste", std::string (token).substr (0, 40).c_str ());
        g_signal_emit_by_name (c->receiver, "paste", token);
        c->offers++;
      }), &crossing);
  /* The answer goes back after the sender was given its own offer. */
  g_signal_connect (crossing.receiver, "local-token",
      G_CALLBACK (+[] (GObject *, const gchar *token, Crossing *c) {
        gchar *offer = nullptr;
        g_object_get (c->sender, "offer", &offer, nullptr);
        g_signal_emit_by_name (c->sender, "paste", offer);
        g_free (offer);
        g_signal_emit_by_name (c->sender, "paste", token);
        c->answers++;
      }), &crossing);

  ASSERT_NE (gst_element_set_state (receiver.pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  ASSERT_NE (gst_element_set_state (sender.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  EXPECT_TRUE (count.wait (30)) << "got " << count.buffers << " buffers";
  EXPECT_EQ (crossing.offers, 1);
  EXPECT_EQ (crossing.answers, 1);
  expect_no_error (sender);
  expect_no_error (receiver);
  EXPECT_EQ (string_property (crossing.receiver, "answer"),
      string_property (crossing.sender, "answer"));

  gst_element_set_state (sender.pipeline, GST_STATE_NULL);
  gst_element_set_state (receiver.pipeline, GST_STATE_NULL);
  g_object_unref (crossing.sender);
  g_object_unref (crossing.receiver);
}

TEST (ManualSignaller, TimeoutIsAnError)
{
  Pipeline receiver ("webrtcrecv name=r uri=\"manual:?timeout=1\" ! fakesink");
  GObject *sig = signaller_of (receiver, "r");
  g_object_set (sig, "stdio", FALSE, nullptr);
  guint timeout = 0;
  g_object_get (sig, "timeout", &timeout, nullptr);
  EXPECT_EQ (timeout, 1u);
  g_object_unref (sig);
  ASSERT_NE (gst_element_set_state (receiver.pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
  GstMessage *msg = receiver.wait (GST_MESSAGE_ERROR, 10 * GST_SECOND);
  ASSERT_NE (msg, nullptr);
  GError *err = nullptr;
  gst_message_parse_error (msg, &err, nullptr);
  EXPECT_TRUE (g_error_matches (err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ));
  g_clear_error (&err);
  gst_message_unref (msg);
}

/* Seconds become milliseconds in a guint: ?timeout=4294968 used to wrap to
 * 32 ms. The URI takes 1 to 86400 s; anything else fails the start with a
 * settings error naming the range, and the property has the same bounds. */
TEST (ManualSignaller, TimeoutOutOfRangeIsRefused)
{
  for (const char *bad : { "4294968", "86401", "0", "-1", "ten", "" }) {
    Pipeline receiver (
        std::string ("webrtcrecv name=r uri=\"manual:?timeout=") + bad + "\" ! fakesink");
    GObject *sig = signaller_of (receiver, "r");
    g_object_set (sig, "stdio", FALSE, nullptr);
    guint timeout = 0;
    g_object_get (sig, "timeout", &timeout, nullptr);
    EXPECT_EQ (timeout, 600u) << bad;
    g_object_unref (sig);
    EXPECT_EQ (gst_element_set_state (receiver.pipeline, GST_STATE_PLAYING),
        GST_STATE_CHANGE_FAILURE)
        << bad;
    GstMessage *msg = receiver.pop_error ();
    ASSERT_NE (msg, nullptr) << bad;
    GError *err = nullptr;
    gst_message_parse_error (msg, &err, nullptr);
    EXPECT_TRUE (g_error_matches (err, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS))
        << err->message;
    g_clear_error (&err);
    gst_message_unref (msg);
  }

  Pipeline receiver ("webrtcrecv name=r uri=\"manual:?timeout=86400\" ! fakesink");
  GObject *sig = signaller_of (receiver, "r");
  guint timeout = 0;
  g_object_get (sig, "timeout", &timeout, nullptr);
  EXPECT_EQ (timeout, 86400u);
  auto pspec = G_PARAM_SPEC_UINT (
      g_object_class_find_property (G_OBJECT_GET_CLASS (sig), "timeout"));
  EXPECT_EQ (pspec->minimum, 1u);
  EXPECT_EQ (pspec->maximum, 86400u);
  g_object_unref (sig);
}

TEST (ManualSignaller, MissingDirectoryFailsToStart)
{
  Pipeline receiver ("webrtcrecv uri=manual:///nonexistent/manual-dir ! fakesink");
  EXPECT_EQ (gst_element_set_state (receiver.pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_FAILURE);
}

/* A person needs time: the session waits for the answer as long as the
 * signaller's timeout (default 600 s), past the 30 s other signallers get,
 * with its offer still valid (no new offer, no error). */
TEST (ManualSignaller, SessionWaitsAsLongAsAPersonNeeds)
{
  Pipeline sender (std::string (SENDER) + "manual:");
  GObject *sig = signaller_of (sender, "s");
  g_object_set (sig, "stdio", FALSE, nullptr);
  std::atomic<int> offers { 0 };
  g_signal_connect (sig, "local-token",
      G_CALLBACK (+[] (GObject *, const gchar *, std::atomic<int> *n) { (*n)++; }), &offers);
  ASSERT_NE (gst_element_set_state (sender.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  for (int i = 0; i < 35 * 20; i++)
    g_usleep (50 * 1000);
  EXPECT_EQ (offers, 1) << "the offer was replaced before the signaller's timeout";
  expect_no_error (sender);
  gst_element_set_state (sender.pipeline, GST_STATE_NULL);
  g_object_unref (sig);
}

/* The answering role: webrtcsend takes a pasted offer (a real Chromium
 * offer, as raw SDP) and answers it with the offer's payload types,
 * sendonly, in a token. */
TEST (ManualSignaller, WebrtcsendAnswersAPastedBrowserOffer)
{
  Pipeline sender (std::string (SENDER) + "\"manual:?answer=1\"");
  GObject *sig = signaller_of (sender, "s");
  g_object_set (sig, "stdio", FALSE, nullptr);
  struct Answer {
    std::mutex lock;
    std::string token;
  } answer;
  g_signal_connect (sig, "local-token", G_CALLBACK (+[] (GObject *, const gchar *token, Answer *a) {
    std::lock_guard<std::mutex> guard (a->lock);
    a->token = token;
  }), &answer);
  ASSERT_NE (gst_element_set_state (sender.pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
  std::string offer = gstsig::test::read_data ("chromium-recvonly-offer.sdp");
  ASSERT_FALSE (offer.empty ());
  g_signal_emit_by_name (sig, "paste", offer.c_str ());
  std::string token;
  for (int i = 0; i < 300 && token.empty (); i++) {
    g_usleep (50 * 1000);
    std::lock_guard<std::mutex> guard (answer.lock);
    token = answer.token;
  }
  ASSERT_FALSE (token.empty ()) << "no answer token";
  std::string error;
  auto decoded = gstsig::manual::decode_token (token, &error);
  ASSERT_TRUE (decoded.has_value ()) << error;
  ASSERT_TRUE (decoded->type.has_value ());
  EXPECT_EQ (*decoded->type, GST_WEBRTC_SDP_TYPE_ANSWER);
  EXPECT_NE (decoded->sdp.find ("m=video 9 UDP/TLS/RTP/SAVPF 96"), std::string::npos)
      << decoded->sdp;
  EXPECT_NE (decoded->sdp.find ("a=sendonly"), std::string::npos) << decoded->sdp;
  EXPECT_NE (decoded->sdp.find ("a=candidate:"), std::string::npos) << "vanilla ICE: candidates";
  expect_no_error (sender);
  gst_element_set_state (sender.pipeline, GST_STATE_NULL);
  g_object_unref (sig);
}
