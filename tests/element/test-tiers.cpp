/* webrtcsend's tiers without a network: one input (a live 640x360 test
 * pattern) and three consumers' branches ending in fakesinks instead of
 * webrtcbins, their targets set by hand as congestion control would set
 * them. Checks that a slow viewer moves to an encoder of its own and back,
 * that the others stay and keep receiving, that unused tiers' encoders go
 * away, and (in the sanitizer builds) that moving viewers while their
 * branches are cut and made again does not race.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "codecs.h"
#include "context-thread.h"
#include "input-stream.h"
#include "opus-rate.h"
#include "tier-plan.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

GST_DEBUG_CATEGORY (gst_sig_send_debug);

using gstsig::ConsumerBranch;
using gstsig::InputStream;

namespace {

struct Viewer {
  ConsumerBranch branch;
  GstElement *sink = nullptr; /* in the pipeline */
  std::shared_ptr<std::atomic<unsigned>> packets = std::make_shared<std::atomic<unsigned>> (0);
};

class TiersTest : public ::testing::Test {
protected:
  void SetUp () override
  {
    GST_DEBUG_CATEGORY_INIT (gst_sig_send_debug, "webrtcsend", 0, "webrtcsend (test)");
    pipeline = gst_pipeline_new (nullptr);
    GstElement *src = gst_element_factory_make (source.c_str (), nullptr);
    GstElement *filter = gst_element_factory_make ("capsfilter", nullptr);
    g_object_set (src, "is-live", TRUE, nullptr);
    GstCaps *caps = gst_caps_from_string (input_caps.c_str ());
    g_object_set (filter, "caps", caps, nullptr);
    gst_caps_unref (caps);
    gst_bin_add_many (GST_BIN (pipeline), src, filter, nullptr);
    gst_element_link (src, filter);
    input = std::make_unique<InputStream> (GST_BIN (pipeline), kind, input_name, &control,
        100 * GST_MSECOND);
    GstPad *src_pad = gst_element_get_static_pad (filter, "src");
    ASSERT_EQ (gst_pad_link (src_pad, input->sink_pad ()), GST_PAD_LINK_OK);
    gst_object_unref (src_pad);
    ASSERT_NE (gst_element_set_state (pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    vp8 = gstsig::find_codec ("vp8");
    ASSERT_NE (vp8, nullptr);
    codec = gstsig::find_codec (codec_name.c_str ());
    ASSERT_NE (codec, nullptr);
    ASSERT_TRUE (wait_for ([this] { return input->form ().has_value (); }));
  }

  void TearDown () override
  {
    control.invoke_sync ([this] {
      for (auto &v : viewers)
        if (v->branch.codec) {
          input->cut (v->branch);
          input->detach (v->branch);
        }
      input->remove_from_bin ();
    });
    gst_element_set_state (pipeline, GST_STATE_NULL);
    input.reset ();
    gst_object_unref (pipeline);
  }

  /* A consumer: its branch ends in a fakesink that counts RTP packets. */
  Viewer &attach (Viewer &v)
  {
    if (!v.sink) {
      v.sink = gst_element_factory_make ("fakesink", nullptr);
      g_object_set (v.sink, "sync", FALSE, "async", FALSE, nullptr);
      gst_bin_add (GST_BIN (pipeline), v.sink);
      gst_element_sync_state_with_parent (v.sink);
      GstPad *pad = gst_element_get_static_pad (v.sink, "sink");
      /* The payloader pushes lists of packets. */
      gst_pad_add_probe (pad,
          (GstPadProbeType) (GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
          [] (GstPad *, GstPadProbeInfo *info, gpointer data) {
            unsigned n = (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
                ? gst_buffer_list_length (GST_PAD_PROBE_INFO_BUFFER_LIST (info)) : 1;
            (*static_cast<std::shared_ptr<std::atomic<unsigned>> *> (data))->fetch_add (n);
            return GST_PAD_PROBE_OK;
          },
          new std::shared_ptr<std::atomic<unsigned>> (v.packets),
          [] (gpointer data) { delete static_cast<std::shared_ptr<std::atomic<unsigned>> *> (data); });
      gst_object_unref (pad);
    }
    GstPad *pad = gst_element_get_static_pad (v.sink, "sink");
    std::string error;
    bool ok = false;
    control.invoke_sync ([&] {
      ok = input->attach (v.branch, *codec, 96, gstsig::RtpStreamSetup (), "", 2000, 3, ladder, false,
          pad, &error);
    });
    gst_object_unref (pad);
    EXPECT_TRUE (ok) << error;
    return v;
  }

  Viewer &add_viewer ()
  {
    viewers.push_back (std::make_unique<Viewer> ());
    return attach (*viewers.back ());
  }

  unsigned tier_of (const Viewer &v)
  {
    std::lock_guard<std::mutex> guard (v.branch.link->lock);
    return v.branch.link->tier;
  }

  bool has_element (const std::string &name)
  {
    GstElement *e = gst_bin_get_by_name (GST_BIN (pipeline), name.c_str ());
    if (e)
      gst_object_unref (e);
    return e != nullptr;
  }

  template <typename F> bool wait_for (F done, int ms = 10000)
  {
    for (int waited = 0; waited < ms; waited += 20) {
      if (done ())
        return true;
      g_usleep (20 * 1000);
    }
    return done ();
  }

  /* Frames out of the encoder called name in the next ms (0: no such encoder). */
  unsigned frames_out_of (const char *name, int ms)
  {
    GstElement *encoder = gst_bin_get_by_name (GST_BIN (pipeline), name);
    if (!encoder)
      return 0;
    auto frames = std::make_shared<std::atomic<unsigned>> (0);
    GstPad *pad = gst_element_get_static_pad (encoder, "src");
    gulong id = gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER,
        [] (GstPad *, GstPadProbeInfo *, gpointer data) {
          (*static_cast<std::shared_ptr<std::atomic<unsigned>> *> (data))->fetch_add (1);
          return GST_PAD_PROBE_OK;
        },
        new std::shared_ptr<std::atomic<unsigned>> (frames),
        [] (gpointer data) { delete static_cast<std::shared_ptr<std::atomic<unsigned>> *> (data); });
    g_usleep (ms * 1000);
    gst_pad_remove_probe (pad, id);
    gst_object_unref (pad);
    gst_object_unref (encoder);
    return *frames;
  }

  /* The target-bitrate (kbit/s) of the encoder in the branch called name; 0: none. */
  unsigned encoder_kbps (const std::string &name)
  {
    GstElement *branch = gst_bin_get_by_name (GST_BIN (pipeline), name.c_str ());
    GstElement *encoder = branch ? gst_bin_get_by_name (GST_BIN (branch), "encoder") : nullptr;
    int bps = 0;
    if (encoder)
      g_object_get (encoder, "target-bitrate", &bps, nullptr);
    if (encoder)
      gst_object_unref (encoder);
    if (branch)
      gst_object_unref (branch);
    return bps / 1000;
  }

  /* The width of the frames going into the encoder in the branch called
   * name; 0: none yet. */
  int encoder_input_width (const std::string &name)
  {
    GstElement *branch = gst_bin_get_by_name (GST_BIN (pipeline), name.c_str ());
    GstElement *encoder = branch ? gst_bin_get_by_name (GST_BIN (branch), "encoder") : nullptr;
    GstPad *sink = encoder ? gst_element_get_static_pad (encoder, "sink") : nullptr;
    GstCaps *caps = sink ? gst_pad_get_current_caps (sink) : nullptr;
    int width = 0;
    if (caps)
      gst_structure_get_int (gst_caps_get_structure (caps, 0), "width", &width);
    if (caps)
      gst_caps_unref (caps);
    if (sink)
      gst_object_unref (sink);
    if (encoder)
      gst_object_unref (encoder);
    if (branch)
      gst_object_unref (branch);
    return width;
  }

  std::string source = "videotestsrc";
  std::string input_caps = "video/x-raw,width=640,height=360,framerate=30/1";
  gstsig::MediaKind kind = gstsig::MediaKind::Video;
  std::string input_name = "video_0";
  std::string codec_name = "vp8"; /* what attach () sends */
  std::vector<unsigned> ladder; /* video-tier-ladder */
  gstsig::ContextThread control { "test-tiers-control" };
  GstElement *pipeline = nullptr;
  std::unique_ptr<InputStream> input;
  const gstsig::Codec *vp8 = nullptr;
  const gstsig::Codec *codec = nullptr;
  std::vector<std::unique_ptr<Viewer>> viewers;
};

/* A 1280x720 input, whose smallest size (320x180) needs about 210 kbit/s. */
class LowTargetTest : public TiersTest {
protected:
  LowTargetTest () { input_caps = "video/x-raw,width=1280,height=720,framerate=30/1"; }
};

/* A mono audio input, sent as Opus. */
class AudioTiersTest : public TiersTest {
protected:
  AudioTiersTest ()
  {
    source = "audiotestsrc";
    input_caps = "audio/x-raw,rate=48000,channels=1";
    kind = gstsig::MediaKind::Audio;
    input_name = "audio_0";
    codec_name = "opus";
  }

  /* The bitrate (kbit/s) of the Opus encoder in the branch called name; 0:
   * none. With frame_ms, its frame duration (ms) too. */
  unsigned opus_kbps (const std::string &name, unsigned *frame_ms = nullptr)
  {
    GstElement *branch = gst_bin_get_by_name (GST_BIN (pipeline), name.c_str ());
    GstElement *encoder = branch ? gst_bin_get_by_name (GST_BIN (branch), "encoder") : nullptr;
    int bps = 0;
    if (encoder) {
      g_object_get (encoder, "bitrate", &bps, nullptr);
      gint frame_size = 0; /* an enum whose values are the milliseconds (2 for 2.5) */
      g_object_get (encoder, "frame-size", &frame_size, nullptr);
      if (frame_ms)
        *frame_ms = (unsigned) frame_size;
    }
    if (encoder)
      gst_object_unref (encoder);
    if (branch)
      gst_object_unref (branch);
    return bps / 1000;
  }
};

} // namespace

/* opusenc aborted when its frame size shrank from another thread while it
 * encoded (opus-rate.h). set_opus_rate switching between the two audio
 * levels every millisecond while the encoder works flat out (a non-live
 * tone in 100 ms buffers, from each of which its base class cuts several
 * frames in a loop): it keeps encoding and ends at the last values. With
 * the properties set directly from this thread it aborted within a second. */
TEST (OpusRate, SwitchingLevelsWhileTheEncoderWorksKeepsItRunning)
{
  GstElement *pipeline = gst_parse_launch ("audiotestsrc samplesperbuffer=4800 ! audioconvert ! audioresample"
      " ! opusenc name=encoder audio-type=voice ! fakesink name=sink sync=false", nullptr);
  ASSERT_NE (pipeline, nullptr);
  GstElement *encoder = gst_bin_get_by_name (GST_BIN (pipeline), "encoder");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  auto frames = std::make_shared<std::atomic<unsigned>> (0);
  GstPad *sink_pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (sink_pad, GST_PAD_PROBE_TYPE_BUFFER,
      [] (GstPad *, GstPadProbeInfo *, gpointer data) {
        (*static_cast<std::shared_ptr<std::atomic<unsigned>> *> (data))->fetch_add (1);
        return GST_PAD_PROBE_OK;
      },
      new std::shared_ptr<std::atomic<unsigned>> (frames),
      [] (gpointer data) { delete static_cast<std::shared_ptr<std::atomic<unsigned>> *> (data); });
  gst_object_unref (sink_pad);
  ASSERT_NE (gst_element_set_state (pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);

  for (int i = 0; i < 2000; i++) {
    if (i % 2)
      gstsig::set_opus_rate (encoder, gstsig::AUDIO_LOW_KBPS, 60);
    else
      gstsig::set_opus_rate (encoder, gstsig::AUDIO_FULL_KBPS, 20);
    g_usleep (1000);
  }
  gstsig::set_opus_rate (encoder, gstsig::AUDIO_LOW_KBPS, 60);
  unsigned before = *frames;
  int bps = 0, frame_ms = 0;
  for (int waited = 0; waited < 5000; waited += 20) {
    g_object_get (encoder, "bitrate", &bps, "frame-size", &frame_ms, nullptr);
    if (bps == (int) gstsig::AUDIO_LOW_KBPS * 1000 && frame_ms == 60 && *frames > before + 20)
      break;
    g_usleep (20 * 1000);
  }
  EXPECT_EQ (bps, (int) gstsig::AUDIO_LOW_KBPS * 1000) << "the last bitrate was not applied";
  EXPECT_EQ (frame_ms, 60) << "the last frame size was not applied";
  EXPECT_GT (*frames, before + 20) << "the encoder stopped";
  GstMessage *error = gst_bus_pop_filtered (GST_ELEMENT_BUS (pipeline), GST_MESSAGE_ERROR);
  EXPECT_EQ (error, nullptr) << "the pipeline failed";
  if (error)
    gst_message_unref (error);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (encoder);
  gst_object_unref (pipeline);
}

/* One viewer's target switching between the two audio levels every 2 ms:
 * the encoder keeps going and ends at the last level. */
TEST_F (AudioTiersTest, SwitchingLevelsQuicklyEndsAtTheLastLevel)
{
  Viewer &viewer = add_viewer ();
  ASSERT_TRUE (wait_for ([&] { return *viewer.packets > 10; })) << "no packets to the viewer";
  for (int i = 0; i < 500; i++) {
    input->set_viewer_target (viewer.branch, i % 2 ? gstsig::AUDIO_LOW_KBPS : gstsig::AUDIO_FULL_KBPS);
    g_usleep (2000);
  }
  input->set_viewer_target (viewer.branch, gstsig::AUDIO_LOW_KBPS);
  unsigned before = *viewer.packets;
  EXPECT_TRUE (wait_for ([&] { return *viewer.packets > before + 20; })) << "the encoder stopped";
  unsigned frame_ms = 0;
  EXPECT_TRUE (wait_for ([&] {
    return opus_kbps ("audio_0-opus-encoder", &frame_ms) == gstsig::AUDIO_LOW_KBPS && frame_ms == 60;
  })) << "the last level was not applied: " << opus_kbps ("audio_0-opus-encoder") << " kbit/s, "
      << frame_ms << " ms frames";
}

/* Audio in two levels (tier-plan.h): a viewer on a slow link moves to an
 * Opus encoder at the low level, the others keep the full one; when the
 * slow one recovers it comes back and the extra encoder goes. One viewer
 * alone on a slow link lowers the one encoder instead. */
TEST_F (AudioTiersTest, ASlowViewerGetsTheLowLevelTheOthersKeepTheFull)
{
  Viewer &fast = add_viewer ();
  Viewer &slow = add_viewer ();
  ASSERT_TRUE (wait_for ([&] { return *slow.packets > 10 && *fast.packets > 10; }))
      << "no packets to the viewers";
  EXPECT_EQ (opus_kbps ("audio_0-opus-encoder"), gstsig::AUDIO_FULL_KBPS);
  input->set_viewer_target (fast.branch, gstsig::AUDIO_FULL_KBPS);
  input->set_viewer_target (slow.branch, gstsig::AUDIO_LOW_KBPS);
  ASSERT_TRUE (wait_for ([&] { return tier_of (slow) == 1; })) << "the slow viewer never moved";
  EXPECT_EQ (tier_of (fast), 0u);
  unsigned frame_ms = 0;
  EXPECT_EQ (opus_kbps ("audio_0-opus-encoder-tier1", &frame_ms), gstsig::AUDIO_LOW_KBPS);
  EXPECT_EQ (frame_ms, 60u) << "the low level's frames";
  EXPECT_EQ (opus_kbps ("audio_0-opus-encoder"), gstsig::AUDIO_FULL_KBPS);
  unsigned before = *slow.packets, before_fast = *fast.packets;
  EXPECT_TRUE (wait_for ([&] { return *slow.packets > before + 20 && *fast.packets > before_fast + 20; }))
      << "a viewer stopped receiving after the move";

  input->set_viewer_target (slow.branch, gstsig::AUDIO_FULL_KBPS);
  ASSERT_TRUE (wait_for ([&] { return tier_of (slow) == 0; })) << "the slow viewer never came back";
  EXPECT_TRUE (wait_for ([&] { return !has_element ("audio_0-opus-encoder-tier1"); }))
      << "the low level's encoder stayed with no viewer on it";

  /* Only slow viewers: the one encoder at the low level. */
  input->set_viewer_target (fast.branch, gstsig::AUDIO_LOW_KBPS);
  input->set_viewer_target (slow.branch, gstsig::AUDIO_LOW_KBPS);
  EXPECT_TRUE (wait_for ([&] { return opus_kbps ("audio_0-opus-encoder") == gstsig::AUDIO_LOW_KBPS; }));
  opus_kbps ("audio_0-opus-encoder", &frame_ms);
  EXPECT_EQ (frame_ms, 60u);
  EXPECT_FALSE (has_element ("audio_0-opus-encoder-tier1"));
  before = *slow.packets;
  EXPECT_TRUE (wait_for ([&] { return *slow.packets > before + 20; }));
}

/* Below what the smallest picture needs, half the frames are encoded
 * (picture-size.h): a viewer whose first target is 100 kbit/s gets 320x180
 * at 15 fps; at 2000 the full picture at 30 again. */
TEST_F (LowTargetTest, ALowTargetHalvesTheFrameRate)
{
  Viewer &viewer = add_viewer ();
  ASSERT_TRUE (wait_for ([&] { return *viewer.packets > 10; })) << "no packets to the viewer";
  input->set_viewer_target (viewer.branch, 100);
  g_usleep (500 * 1000);
  unsigned slow = frames_out_of ("encoder", 2000);
  EXPECT_GE (slow, 24u);
  EXPECT_LE (slow, 36u) << "about 15 fps at 100 kbit/s";
  input->set_viewer_target (viewer.branch, 2000);
  /* Back up as soon as the target has room: UP_WAIT_MS after the start. */
  g_usleep (4500 * 1000);
  unsigned open = frames_out_of ("encoder", 2000);
  EXPECT_GE (open, 50u) << "about 30 fps at 2000 kbit/s";
}

/* An encoder started ahead of a consumer whose congestion control will
 * start at 600 kbit/s starts there, at the size that meets it (640x360 of
 * 1280x720), not at video-bitrate's full size: the consumer's first target
 * then changes nothing. If the consumer follows no target after all, the
 * encoder goes back to video-bitrate at full size. */
TEST_F (LowTargetTest, APreparedEncoderStartsAtTheStartTarget)
{
  std::string error;
  bool ok = false;
  control.invoke_sync ([&] { ok = input->prepare (*vp8, 2000, 3, ladder, 600, &error); });
  ASSERT_TRUE (ok) << error;
  EXPECT_EQ (encoder_kbps ("video_0-vp8-encoder"), 600u);
  EXPECT_TRUE (wait_for ([&] { return encoder_input_width ("video_0-vp8-encoder") == 640; }))
      << encoder_input_width ("video_0-vp8-encoder");

  control.invoke_sync ([&] { input->drop_start_target (*vp8); });
  EXPECT_EQ (encoder_kbps ("video_0-vp8-encoder"), 2000u);
  EXPECT_TRUE (wait_for ([&] { return encoder_input_width ("video_0-vp8-encoder") == 1280; }))
      << encoder_input_width ("video_0-vp8-encoder");
}

/* Once a viewer follows a target, the start target is its: a consumer
 * without transport-cc joining then leaves the encoder where it is. */
TEST_F (LowTargetTest, AViewerFollowingTheStartTargetKeepsThePreparedSize)
{
  std::string error;
  bool ok = false;
  control.invoke_sync ([&] { ok = input->prepare (*vp8, 2000, 3, ladder, 600, &error); });
  ASSERT_TRUE (ok) << error;
  Viewer &viewer = add_viewer ();
  input->set_viewer_target (viewer.branch, 600);
  ASSERT_TRUE (wait_for ([&] { return *viewer.packets > 10; })) << "no packets to the viewer";
  EXPECT_EQ (encoder_input_width ("video_0-vp8-encoder"), 640);
  /* A viewer follows a target: nothing to drop. */
  control.invoke_sync ([&] { input->drop_start_target (*vp8); });
  EXPECT_EQ (encoder_kbps ("video_0-vp8-encoder"), 600u);
  g_usleep (300 * 1000);
  EXPECT_EQ (encoder_input_width ("video_0-vp8-encoder"), 640);
}

/* Two viewers on good links, one on a slow one: the slow one gets an
 * encoder of its own, the others stay on the first and keep receiving;
 * when its link recovers it comes back and the extra encoder goes. */
TEST_F (TiersTest, ASlowViewerMovesToATierOfItsOwnAndBack)
{
  Viewer &fast = add_viewer ();
  Viewer &also_fast = add_viewer ();
  Viewer &slow = add_viewer ();
  ASSERT_TRUE (wait_for ([&] { return *slow.packets > 10; })) << "no packets to the viewers";
  input->set_viewer_target (fast.branch, 2000);
  input->set_viewer_target (also_fast.branch, 1900);
  input->set_viewer_target (slow.branch, 400);
  ASSERT_TRUE (wait_for ([&] { return tier_of (slow) == 1; })) << "the slow viewer never moved";
  EXPECT_TRUE (has_element ("video_0-vp8-encoder-tier1"));
  EXPECT_EQ (tier_of (fast), 0u);
  EXPECT_EQ (tier_of (also_fast), 0u);
  unsigned before = *slow.packets, before_fast = *fast.packets;
  EXPECT_TRUE (wait_for ([&] { return *slow.packets > before + 20 && *fast.packets > before_fast + 20; }))
      << "a viewer stopped receiving after the move";

  input->set_viewer_target (slow.branch, 1950);
  ASSERT_TRUE (wait_for ([&] { return tier_of (slow) == 0; })) << "the slow viewer never came back";
  EXPECT_TRUE (wait_for ([&] { return !has_element ("video_0-vp8-encoder-tier1"); }))
      << "the second tier's encoder stayed with no viewer on it";
  before = *slow.packets;
  EXPECT_TRUE (wait_for ([&] { return *slow.packets > before + 20; }));
}

/* video-tier-ladder: the tiers are the ladder's bitrates, whatever the
 * estimates do between its rungs. */
TEST_F (TiersTest, ALadderFixesTheTiersBitrates)
{
  ladder = { 1500, 400 };
  Viewer &fast = add_viewer ();
  Viewer &slow = add_viewer ();
  ASSERT_TRUE (wait_for ([&] { return *slow.packets > 10; })) << "no packets to the viewers";
  input->set_viewer_target (fast.branch, 1900);
  input->set_viewer_target (slow.branch, 600);
  ASSERT_TRUE (wait_for ([&] { return tier_of (slow) == 1; })) << "the slow viewer never moved";
  EXPECT_EQ (tier_of (fast), 0u);
  EXPECT_TRUE (wait_for ([&] { return encoder_kbps ("video_0-vp8-encoder") == 1500; }))
      << encoder_kbps ("video_0-vp8-encoder");
  EXPECT_EQ (encoder_kbps ("video_0-vp8-encoder-tier1"), 400u);
  input->set_viewer_target (slow.branch, 900);
  input->set_viewer_target (fast.branch, 1700);
  g_usleep (1200 * 1000);
  EXPECT_EQ (encoder_kbps ("video_0-vp8-encoder-tier1"), 400u) << "moved with the estimate";
  EXPECT_EQ (encoder_kbps ("video_0-vp8-encoder"), 1500u);
  EXPECT_EQ (tier_of (slow), 1u);
  unsigned before = *slow.packets;
  EXPECT_TRUE (wait_for ([&] { return *slow.packets > before + 20; }));
}

/* Moves while branches are cut and made again: for the sanitizer builds
 * (a switch probe on one streaming thread, cut and detach on the control
 * thread, targets from a third). */
TEST_F (TiersTest, MovingWhileViewersComeAndGo)
{
  Viewer &fast = add_viewer ();
  Viewer &churn = add_viewer ();
  ASSERT_TRUE (wait_for ([&] { return *churn.packets > 10; }));
  input->set_viewer_target (fast.branch, 2000);
  for (int i = 0; i < 12; i++) {
    input->set_viewer_target (churn.branch, i % 2 ? 300 : 1990);
    g_usleep ((200 + 70 * (i % 4)) * 1000);
    if (i % 3 == 2) {
      control.invoke_sync ([&] {
        input->cut (churn.branch);
        input->detach (churn.branch);
      });
      attach (churn);
    }
  }
  unsigned before = *fast.packets;
  EXPECT_TRUE (wait_for ([&] { return *fast.packets > before + 20; }))
      << "the fast viewer stopped receiving";
  EXPECT_EQ (tier_of (fast), 0u);
}

/* An encoder started ahead of its consumer (SendSession::prepare_encoders,
 * while the offer travels) runs before the consumer comes. A consumer that
 * took another codec declines it: it goes, and is not started ahead again;
 * a consumer that takes from it keeps it. */
TEST_F (TiersTest, APreparedEncoderRunsAheadUntilDeclined)
{
  auto frames_of_first_tier = [this] (int ms) {
    GstElement *branch = gst_bin_get_by_name (GST_BIN (pipeline), "video_0-vp8-encoder");
    if (!branch)
      return 0u;
    GstElement *encoder = gst_bin_get_by_name (GST_BIN (branch), "encoder");
    gst_object_unref (branch);
    if (!encoder)
      return 0u;
    gst_object_unref (encoder);
    return frames_out_of ("encoder", ms);
  };
  std::string error;
  bool ok = false;
  control.invoke_sync ([&] { ok = input->prepare (*vp8, 2000, 3, ladder, 0, &error); });
  ASSERT_TRUE (ok) << error;
  EXPECT_GT (frames_of_first_tier (500), 5u) << "the prepared encoder does not encode";

  control.invoke_sync ([&] { input->decline (*vp8); });
  EXPECT_FALSE (has_element ("video_0-vp8-encoder")) << "a declined encoder nobody took stays";
  control.invoke_sync ([&] { ok = input->prepare (*vp8, 2000, 3, ladder, 0, &error); });
  ASSERT_TRUE (ok) << error;
  EXPECT_FALSE (has_element ("video_0-vp8-encoder")) << "a declined codec started ahead again";

  Viewer &viewer = add_viewer ();
  EXPECT_TRUE (has_element ("video_0-vp8-encoder")) << "a consumer's encoder did not start";
  control.invoke_sync ([&] { input->decline (*vp8); });
  EXPECT_TRUE (has_element ("video_0-vp8-encoder")) << "a consumer's encoder went";
  unsigned before = *viewer.packets;
  EXPECT_TRUE (wait_for ([&] { return *viewer.packets > before + 10; }))
      << "the consumer stopped receiving";
}
