/* Stress test of the stop path: a crowd of consumers keeps joining and
 * leaving a webrtcsend while the element goes to NULL, cycle after cycle, so
 * that offers, answers and ICE candidates are on their way through the
 * signaller when it stops. Meant for the sanitizer builds
 * (scripts/test-sanitizers.sh); a plain build runs it too.
 *
 * Each cycle: the sender goes to PLAYING and registers on a signalling
 * server of the test's own; the crowd (raw protocol clients on a thread of
 * their own, listeners that follow the producer from cycle to cycle) asks it
 * for sessions, half of them bringing their own offer, answers the sender's
 * description with fake candidates, and ends its session or drops its
 * connection at random: some before the description, some while the
 * candidates are being sent, the others later. Once the sender counts a
 * consumer it goes to NULL, at once, a few milliseconds later or right after
 * a description went out, while the crowd goes on. Every few cycles a real
 * webrtcrecv joins too and must get media before the sender stops (and the
 * two stop at the same time).
 *
 * On the code this was written against, SessionHost::stop stops the
 * signaller before it detaches the sessions, so the sender's thread and
 * webrtcbin's still send SDP, candidates and stats through a WebSocket
 * signaller whose thread pointer ws_stop resets: TSan reports the race,
 * UBSan a member call on a null ContextThread, or the process crashes in
 * ContextThread::invoke, within a few cycles.
 *
 * Asserts per cycle: sessions formed (the sender counted consumers; the
 * webrtcrecv got its pads and video), the state change to NULL returns
 * SUCCESS within a bound (a watchdog aborts a stuck one, saying which), no
 * error on the bus. A sanitizer report or a crash fails the test through the
 * exit status.
 *
 * Environment:
 *   GST_WEBRTCSIGNAL_STRESS_CYCLES     cycles (default 200)
 *   GST_WEBRTCSIGNAL_STRESS_SECONDS    time budget; stops early, after at
 *                                      least 10 cycles (default 150)
 *   GST_WEBRTCSIGNAL_STRESS_CONSUMERS  size of the crowd (default 6)
 *   GST_WEBRTCSIGNAL_STRESS_RECV_EVERY a webrtcrecv every N cycles, 0 for
 *                                      none (default 10)
 *   GST_WEBRTCSIGNAL_STRESS_SEED       random seed (default: time; printed)
 *
 * Runs inside a loopback-only network namespace (run-in-netns.sh).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "protocol.h"
#include "test-data.h"
#include "test-pipeline.h"
#include "threaded-server.h"
#include "ws-test-client.h"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace gstsig::test;
namespace proto = gstsig::protocol;

namespace {

guint64
env_uint (const char *name, guint64 fallback)
{
  const char *value = g_getenv (name);
  return value && *value ? g_ascii_strtoull (value, nullptr, 10) : fallback;
}

double
seconds_since (gint64 start_us)
{
  return (g_get_monotonic_time () - start_us) / 1e6;
}

/* Aborts the process if a blocking call has not returned in time: a
 * deadlock in a state change would otherwise only show as a meson timeout,
 * without saying which call hung. */
class Watchdog {
public:
  Watchdog (std::string what, int seconds) : what_ (std::move (what))
  {
    thread_ = std::thread ([this, seconds] {
      std::unique_lock<std::mutex> guard (lock_);
      if (!cond_.wait_for (guard, std::chrono::seconds (seconds), [this] { return done_; })) {
        fprintf (stderr, "Watchdog: %s did not return within %d s; aborting\n", what_.c_str (),
            seconds);
        std::abort ();
      }
    });
  }
  ~Watchdog ()
  {
    {
      std::lock_guard<std::mutex> guard (lock_);
      done_ = true;
    }
    cond_.notify_all ();
    thread_.join ();
  }

private:
  std::string what_;
  std::mutex lock_;
  std::condition_variable cond_;
  bool done_ = false;
  std::thread thread_;
};

/* Sets a state under a watchdog; returns the result and how long it took. */
GstStateChangeReturn
set_state_timed (GstElement *element, GstState state, double *seconds, const std::string &what)
{
  Watchdog watchdog (what, 120);
  gint64 start = g_get_monotonic_time ();
  GstStateChangeReturn ret = gst_element_set_state (element, state);
  *seconds = seconds_since (start);
  return ret;
}

/* The crowd: raw protocol clients on a thread (and GMainContext) of their
 * own, joining and leaving until stopped. They look for any producer, so
 * they follow the sender from cycle to cycle. */
class Crowd {
public:
  Crowd (std::string http_url, unsigned size, std::string offer, unsigned seed)
      : url_ (std::move (http_url)), size_ (size), offer_ (std::move (offer)), seed_ (seed)
  {
  }
  ~Crowd () { stop (); }

  void start ()
  {
    running_ = true;
    thread_ = std::thread ([this] { run (); });
  }
  void stop ()
  {
    running_ = false;
    if (thread_.joinable ())
      thread_.join ();
  }

  std::atomic<unsigned> connects { 0 }, sessions { 0 }, descriptions { 0 }, candidates { 0 },
      ended_by_us { 0 }, ended_by_sender { 0 }, dropped { 0 }, refused { 0 };

private:
  struct Member {
    std::unique_ptr<WsTestClient> ws;
    bool brings_offer = false;
    bool asked = false;     /* startSession sent, no answer yet */
    std::string session;    /* current session, "" if none */
    gint64 next_us = 0;     /* time of the next whim */
  };

  unsigned pick (unsigned lo, unsigned hi)
  {
    return std::uniform_int_distribution<unsigned> (lo, hi) (rng_);
  }

  void send (Member &m, const proto::ClientMessage &msg) { m.ws->send (proto::to_json (msg)); }

  void ask (Member &m, const std::string &producer)
  {
    if (m.asked || !m.session.empty ())
      return;
    m.asked = true;
    send (m, proto::StartSessionRequest { producer,
                 m.brings_offer ? std::optional<std::string> (offer_) : std::nullopt });
  }

  /* Fake host candidates: the sender's webrtcbin adds them and checks them. */
  void trickle (Member &m)
  {
    for (unsigned i = 0; i < 2; i++) {
      proto::PeerMessage msg;
      msg.session_id = m.session;
      msg.ice = proto::IceCandidate { "candidate:" + std::to_string (i + 1) +
              " 1 UDP 2122260223 127.0.0.1 " + std::to_string (9 + i) + " typ host",
          0, std::nullopt };
      send (m, msg);
    }
    proto::PeerMessage eoc;
    eoc.session_id = m.session;
    eoc.ice = proto::IceCandidate { "", 0, std::nullopt };
    send (m, eoc);
  }

  void handle (Member &m, const std::string &text)
  {
    std::string error;
    auto msg = proto::parse_server_message (text, &error);
    if (!msg)
      return;
    if (auto list = std::get_if<proto::ListReply> (&*msg)) {
      if (!list->producers.empty ())
        ask (m, list->producers.front ().id);
    } else if (auto status = std::get_if<proto::PeerStatusChanged> (&*msg)) {
      if (status->roles.producer)
        ask (m, status->peer_id);
    } else if (auto started = std::get_if<proto::SessionStarted> (&*msg)) {
      m.asked = false;
      m.session = started->session_id;
      m.next_us = g_get_monotonic_time () + wait_us ();
      sessions++;
    } else if (auto peer = std::get_if<proto::PeerMessage> (&*msg)) {
      if (peer->session_id != m.session)
        return;
      if (peer->sdp) {
        descriptions++;
        m.next_us = g_get_monotonic_time () + stay_us ();
        trickle (m);
      } else if (peer->ice) {
        candidates++;
      }
    } else if (auto end = std::get_if<proto::EndSession> (&*msg)) {
      if (end->session_id == m.session) {
        ended_by_sender++;
        m.session.clear ();
        m.next_us = g_get_monotonic_time () + pick (50, 400) * 1000;
      }
    } else if (std::get_if<proto::ErrorMessage> (&*msg)) {
      /* Typically: the producer left before our startSession arrived. */
      if (m.asked) {
        refused++;
        m.asked = false;
      }
    }
  }

  /* How long a consumer waits for the sender's description: one in ten
   * leaves before it (while the sender creates the session), the others wait
   * for it, so that requests cannot pile up faster than the sender (slowed
   * down by a sanitizer) makes sessions. */
  gint64 wait_us () { return (pick (0, 9) == 0 ? pick (10, 200) : 8000) * 1000; }
  /* How long it stays once described: a third leave while the candidates
   * are being gathered and sent, the others after some media. */
  gint64 stay_us () { return (pick (0, 2) == 0 ? pick (0, 50) : pick (300, 2000)) * 1000; }

  /* Leave (or drop the connection) when the time has come; ask again a
   * little later. */
  void whim (Member &m, gint64 now)
  {
    if (now < m.next_us)
      return;
    if (!m.session.empty ()) {
      if (pick (0, 2) == 0) {
        m.ws.reset (); /* closes the connection under the session */
        m.asked = false;
        dropped++;
      } else {
        send (m, proto::EndSession { m.session });
        ended_by_us++;
      }
      m.session.clear ();
      m.next_us = now + pick (50, 400) * 1000;
    } else if (!m.asked) {
      send (m, proto::ListRequest {});
      m.next_us = now + pick (200, 600) * 1000;
    }
  }

  void run ()
  {
    rng_.seed (seed_);
    TestContext ctx;
    std::vector<Member> members (size_);
    for (unsigned i = 0; i < size_; i++)
      members[i].brings_offer = i % 2;
    while (running_) {
      gint64 now = g_get_monotonic_time ();
      for (auto &m : members) {
        if (m.ws && m.ws->closed) {
          m.ws.reset ();
          m.session.clear ();
          m.asked = false;
        }
        if (!m.ws) {
          if (now < m.next_us)
            continue;
          auto ws = std::make_unique<WsTestClient> (ctx);
          if (!ws->connect (url_)) {
            m.next_us = now + 50 * 1000;
            continue;
          }
          connects++;
          m.ws = std::move (ws);
          proto::SetPeerStatus status;
          status.roles.listener = true;
          send (m, status);
          send (m, proto::ListRequest {});
          m.next_us = now + pick (200, 600) * 1000;
        }
        while (m.ws && !m.ws->inbox.empty ()) {
          std::string text = std::move (m.ws->inbox.front ());
          m.ws->inbox.pop_front ();
          handle (m, text);
        }
        if (m.ws)
          whim (m, now);
      }
      ctx.drain (2);
    }
    members.clear ();
  }

  std::string url_;
  unsigned size_;
  std::string offer_;
  unsigned seed_;
  std::mt19937 rng_;
  std::atomic<bool> running_ { false };
  std::thread thread_;
};

/* A webrtcrecv consumer: counts its pads and buffers. */
struct Receiver {
  std::unique_ptr<Pipeline> pipeline;
  std::atomic<int> pads { 0 };
  std::atomic<int> buffers { 0 };

  explicit Receiver (const std::string &ws_url)
  {
    pipeline = std::make_unique<Pipeline> ("webrtcrecv name=r uri=" + ws_url +
        " r.video_0 ! fakesink name=v async=false r.audio_0 ! fakesink name=a async=false");
    GstElement *recv = pipeline->get ("r");
    g_signal_connect (recv, "pad-added", G_CALLBACK (+[] (GstElement *, GstPad *, Receiver *self) {
      self->pads++;
    }), this);
    gst_object_unref (recv);
    GstElement *sink = pipeline->get ("v");
    g_object_set (sink, "signal-handoffs", TRUE, nullptr);
    g_signal_connect (sink, "handoff", G_CALLBACK (+[] (GstElement *, GstBuffer *, GstPad *,
                                                      Receiver *self) { self->buffers++; }),
        this);
    gst_object_unref (sink);
  }
  /* Disconnects before the pipeline goes (the handlers point at this). */
  ~Receiver ()
  {
    double seconds;
    if (pipeline && pipeline->pipeline)
      set_state_timed (pipeline->pipeline, GST_STATE_NULL, &seconds, "webrtcrecv to NULL");
    for (const char *name : { "r", "v" }) {
      GstElement *e = pipeline->get (name);
      g_signal_handlers_disconnect_by_data (e, this);
      gst_object_unref (e);
    }
  }
};

/* The first error on a bus, as text, or "". */
std::string
pop_error_text (const Pipeline &p)
{
  GstMessage *msg = p.pop_error ();
  if (!msg)
    return "";
  GError *error = nullptr;
  gchar *debug = nullptr;
  gst_message_parse_error (msg, &error, &debug);
  std::string text = std::string (GST_OBJECT_NAME (GST_MESSAGE_SRC (msg))) + ": " +
      (error ? error->message : "") + " (" + (debug ? debug : "") + ")";
  g_clear_error (&error);
  g_free (debug);
  gst_message_unref (msg);
  return text;
}

guint
consumers_of (GstElement *send)
{
  guint n = 0;
  g_object_get (send, "consumers", &n, nullptr);
  return n;
}

} // namespace

TEST (StopRace, ConsumersComeAndGoWhileTheSenderStops)
{
  const guint64 cycles = env_uint ("GST_WEBRTCSIGNAL_STRESS_CYCLES", 200);
  const guint64 budget_s = env_uint ("GST_WEBRTCSIGNAL_STRESS_SECONDS", 150);
  const guint64 crowd_size = env_uint ("GST_WEBRTCSIGNAL_STRESS_CONSUMERS", 6);
  const guint64 recv_every = env_uint ("GST_WEBRTCSIGNAL_STRESS_RECV_EVERY", 10);
  const unsigned seed = (unsigned) env_uint ("GST_WEBRTCSIGNAL_STRESS_SEED",
      (guint64) g_get_real_time ());
  /* Generous: under TSan a stop tears down many webrtcbins. */
  const double stop_bound_s = 15.0;
  printf ("stress: %" G_GUINT64_FORMAT " cycles, %" G_GUINT64_FORMAT " consumers, a webrtcrecv "
          "every %" G_GUINT64_FORMAT " cycles, budget %" G_GUINT64_FORMAT " s, seed %u\n",
      cycles, crowd_size, recv_every, budget_s, seed);
  std::mt19937 rng (seed);

  ThreadedServer server;
  ASSERT_TRUE (server.start ());
  Pipeline sender ("videotestsrc is-live=true ! video/x-raw,width=160,height=120,framerate=15/1 ! "
                   "webrtcsend name=s video-codecs=vp8 meta=meta,name=stress uri=" +
      server.ws_url () + " audiotestsrc is-live=true ! s.");
  ASSERT_NE (sender.pipeline, nullptr);
  std::unique_ptr<GstElement, decltype (&gst_object_unref)> send_ref (sender.get ("s"),
      gst_object_unref);
  GstElement *send = send_ref.get ();

  Crowd crowd (server.http_url (), (unsigned) crowd_size,
      read_data ("chromium-recvonly-offer.sdp"), seed);
  ASSERT_FALSE (read_data ("chromium-recvonly-offer.sdp").empty ()) << "tests/data not found";
  crowd.start ();

  gint64 start = g_get_monotonic_time ();
  double slowest_stop = 0, total_stop = 0;
  unsigned max_consumers = 0, received = 0;
  guint64 done = 0;
  for (guint64 cycle = 0; cycle < cycles; cycle++) {
    if (cycle >= 10 && seconds_since (start) > budget_s) {
      printf ("stress: time budget spent after %" G_GUINT64_FORMAT " cycles\n", cycle);
      break;
    }
    SCOPED_TRACE ("cycle " + std::to_string (cycle));
    double seconds = 0;
    ASSERT_NE (set_state_timed (sender.pipeline, GST_STATE_PLAYING, &seconds, "sender to PLAYING"),
        GST_STATE_CHANGE_FAILURE) << pop_error_text (sender);

    std::unique_ptr<Receiver> receiver;
    if (recv_every && cycle % recv_every == recv_every - 1) {
      receiver = std::make_unique<Receiver> (server.ws_url ());
      ASSERT_NE (set_state_timed (receiver->pipeline->pipeline, GST_STATE_PLAYING, &seconds,
                    "webrtcrecv to PLAYING"),
          GST_STATE_CHANGE_FAILURE) << pop_error_text (*receiver->pipeline);
    }

    /* Sessions form: the sender counts consumers. */
    unsigned seen = 0;
    gint64 wait_start = g_get_monotonic_time ();
    while (seen == 0 && seconds_since (wait_start) < 20) {
      seen = consumers_of (send);
      if (!seen)
        g_usleep (1000);
    }
    ASSERT_GT (seen, 0u) << "no session formed within 20 s (crowd: " << crowd.connects
                         << " connects, " << crowd.sessions << " sessions, " << crowd.refused
                         << " refused)";

    if (receiver) {
      /* A real consumer gets media before the sender stops. */
      gint64 media_start = g_get_monotonic_time ();
      while ((receiver->pads < 2 || receiver->buffers < 5) && seconds_since (media_start) < 20)
        g_usleep (10 * 1000);
      EXPECT_GE (receiver->pads, 2) << "webrtcrecv did not get its pads";
      EXPECT_GE (receiver->buffers, 5) << "webrtcrecv got no video";
      if (receiver->buffers >= 5)
        received++;
    } else {
      /* Stop in the middle of negotiation: in half the cycles once a
       * description went out (candidates follow it), in the others as soon
       * as a session exists (offers and answers are being made). */
      unsigned r = std::uniform_int_distribution<unsigned> (0, 99) (rng);
      if (r < 50) {
        unsigned before = crowd.descriptions;
        gint64 sdp_start = g_get_monotonic_time ();
        while (crowd.descriptions == before && seconds_since (sdp_start) < 5)
          g_usleep (500);
      }
      r = std::uniform_int_distribution<unsigned> (0, 99) (rng);
      g_usleep (r < 30 ? 0 : r < 70 ? r * 100 : r * 1000);
    }
    seen = consumers_of (send);
    max_consumers = MAX (max_consumers, seen);

    /* Stop. With a receiver, it stops at the same time from another thread. */
    std::thread receiver_stop;
    if (receiver)
      receiver_stop = std::thread ([&receiver] {
        double s;
        set_state_timed (receiver->pipeline->pipeline, GST_STATE_NULL, &s, "webrtcrecv to NULL");
      });
    GstStateChangeReturn ret = set_state_timed (sender.pipeline, GST_STATE_NULL, &seconds,
        "sender to NULL in cycle " + std::to_string (cycle));
    if (receiver_stop.joinable ())
      receiver_stop.join ();
    EXPECT_EQ (ret, GST_STATE_CHANGE_SUCCESS);
    /* The first stop also waits for one-time set-up (plugins loading,
     * NSS and OpenSSL initialising), which the sanitizers slow down. */
    EXPECT_LT (seconds, cycle == 0 ? 4 * stop_bound_s : stop_bound_s)
        << "stopping with " << seen << " consumers";
    slowest_stop = MAX (slowest_stop, seconds);
    total_stop += seconds;
    EXPECT_EQ (consumers_of (send), 0u);
    std::string error = pop_error_text (sender);
    EXPECT_EQ (error, "");
    if (receiver) {
      std::string recv_error = pop_error_text (*receiver->pipeline);
      EXPECT_EQ (recv_error, "") << "webrtcrecv";
    }
    done = cycle + 1;
    if (HasFailure ())
      break;
  }
  crowd.stop ();

  printf ("stress: %" G_GUINT64_FORMAT " cycles in %.1f s; stop to NULL: mean %.3f s, slowest "
          "%.3f s; up to %u consumers at a stop; %u webrtcrecv got media\n",
      done, seconds_since (start), done ? total_stop / done : 0.0, slowest_stop, max_consumers,
      received);
  printf ("stress: crowd: %u connects, %u sessions, %u descriptions, %u candidates, %u ended "
          "by us, %u by the sender, %u dropped, %u refused\n",
      crowd.connects.load (), crowd.sessions.load (), crowd.descriptions.load (),
      crowd.candidates.load (), crowd.ended_by_us.load (), crowd.ended_by_sender.load (),
      crowd.dropped.load (), crowd.refused.load ());
  EXPECT_GE (done, MIN (cycles, (guint64) 10));
  EXPECT_GT (crowd.descriptions, 0u) << "no consumer ever got an offer or answer";
  EXPECT_GT (crowd.candidates, 0u) << "no consumer ever got a candidate";
}
