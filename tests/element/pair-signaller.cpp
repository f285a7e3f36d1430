/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "pair-signaller.h"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>

/* URI: pair://NAME[?consumer-offers=1][&ice=URI][&slow-sdp=MS]
 * - the producer (webrtcsend) waits; each consumer (webrtcrecv) that
 *   starts asks it for one session;
 * - consumer-offers=1: the consumer makes the offer (capability);
 * - ice=URI: at start, the producer's signaller tells the element this
 *   STUN/TURN server ("ice-servers" for the sessions to come);
 * - slow-sdp=MS: send_sdp takes MS before the description counts as sent.
 * Every signal is emitted from one router thread of the signaller's own,
 * as the contract asks; calls into the signaller only queue work. */

namespace {

struct Pair;

} // namespace

struct _TestPairSignaller {
  GObject parent;
  std::mutex *lock;          /* guards the fields below */
  std::string *uri;
  pair_test::Record *record;
  std::set<std::string> *described; /* sessions whose description went out */
  std::shared_ptr<Pair> *pair;
};

namespace {

/* One thread that runs every emission of a pair, in order. */
struct Pair {
  std::mutex lock; /* guards producer, consumers, next_id */
  TestPairSignaller *producer = nullptr; /* weak: set between start and stop */
  std::map<std::string, TestPairSignaller *> consumers; /* session id -> consumer */
  unsigned next_id = 0;
  GMainContext *context = g_main_context_new ();
  GMainLoop *loop = g_main_loop_new (context, FALSE);
  GThread *thread = g_thread_new ("pair-router", [] (gpointer loop) -> gpointer {
    g_main_context_push_thread_default (g_main_loop_get_context ((GMainLoop *) loop));
    g_main_loop_run ((GMainLoop *) loop);
    return nullptr;
  }, loop);

  ~Pair ()
  {
    post ([this] () { g_main_loop_quit (loop); });
    g_thread_join (thread);
    g_main_loop_unref (loop);
    g_main_context_unref (context);
  }
  /* Any thread: fn on the router thread, later. */
  void post (std::function<void ()> fn)
  {
    auto call = new std::function<void ()> (std::move (fn));
    g_main_context_invoke_full (context, G_PRIORITY_DEFAULT,
        [] (gpointer data) {
          (*static_cast<std::function<void ()> *> (data)) ();
          return G_SOURCE_REMOVE;
        },
        call, [] (gpointer data) { delete static_cast<std::function<void ()> *> (data); });
  }
  /* Router thread: the other side of session id as seen from `from`, with
   * a reference, or nullptr. */
  GstSigSignaller *peer_of (TestPairSignaller *from, const std::string &id)
  {
    std::lock_guard<std::mutex> guard (lock);
    TestPairSignaller *peer = nullptr;
    if (from == producer) {
      auto it = consumers.find (id);
      peer = it == consumers.end () ? nullptr : it->second;
    } else {
      peer = producer;
    }
    return peer ? GST_SIG_SIGNALLER (g_object_ref (peer)) : nullptr;
  }
};

std::mutex pairs_lock; /* guards pairs () */
std::map<std::string, std::shared_ptr<Pair>> &
pairs ()
{
  static std::map<std::string, std::shared_ptr<Pair>> all;
  return all;
}

std::string
param (const std::string &uri, const char *name)
{
  g_autoptr (GUri) parsed = g_uri_parse (uri.c_str (), G_URI_FLAGS_NONE, nullptr);
  const char *query = parsed ? g_uri_get_query (parsed) : nullptr;
  if (!query)
    return "";
  g_autoptr (GHashTable) params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE, nullptr);
  auto value = params ? static_cast<const char *> (g_hash_table_lookup (params, name)) : nullptr;
  return value ? value : "";
}

std::string
pair_name (const std::string &uri)
{
  g_autoptr (GUri) parsed = g_uri_parse (uri.c_str (), G_URI_FLAGS_NONE, nullptr);
  const char *host = parsed ? g_uri_get_host (parsed) : nullptr;
  return host ? host : "";
}

std::vector<std::string>
to_vector (gchar **strv)
{
  std::vector<std::string> out;
  for (gchar **s = strv; s && *s; s++)
    out.emplace_back (*s);
  return out;
}

std::shared_ptr<Pair>
pair_of (TestPairSignaller *self)
{
  std::lock_guard<std::mutex> guard (*self->lock);
  return *self->pair;
}

/* ---- the interface ---- */

gboolean
pair_start (GstSigSignaller *signaller, const GstSigSignallerSettings *settings, GError **error)
{
  auto self = TEST_PAIR_SIGNALLER (signaller);
  std::string uri;
  {
    std::lock_guard<std::mutex> guard (*self->lock);
    uri = *self->uri;
    *self->record = pair_test::Record ();
    self->record->started = true;
    self->record->role = settings->role;
    self->record->video_codecs = to_vector (settings->video_codecs);
    self->record->audio_codecs = to_vector (settings->audio_codecs);
    self->record->max_sessions = settings->max_sessions;
    if (settings->meta) {
      gchar *text = gst_structure_to_string (settings->meta);
      self->record->meta = text;
      g_free (text);
    }
    self->described->clear ();
  }
  std::string name = pair_name (uri);
  if (name.empty ()) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "'%s' names no pair; use pair://NAME", uri.c_str ());
    return FALSE;
  }
  std::shared_ptr<Pair> pair;
  {
    std::lock_guard<std::mutex> guard (pairs_lock);
    auto &slot = pairs ()[name];
    if (!slot)
      slot = std::make_shared<Pair> ();
    pair = slot;
  }
  {
    std::lock_guard<std::mutex> guard (*self->lock);
    *self->pair = pair;
  }
  if (settings->role == GST_SIG_SIGNALLER_ROLE_PRODUCER) {
    std::lock_guard<std::mutex> guard (pair->lock);
    pair->producer = self;
    std::string ice = param (uri, "ice");
    if (!ice.empty ()) {
      /* Before any session: for every session to come (the contract). */
      const gchar *uris[] = { ice.c_str (), nullptr };
      gst_sig_signaller_emit_ice_servers (signaller, nullptr, uris);
    }
    return TRUE;
  }
  /* A consumer asks the producer for a session, on the router thread. */
  std::string id;
  {
    std::lock_guard<std::mutex> guard (pair->lock);
    id = "pair-session-" + std::to_string (++pair->next_id);
    pair->consumers[id] = self;
  }
  g_object_ref (self);
  pair->post ([pair, self, id] () {
    GstSigSignaller *producer = pair->peer_of (self, id);
    if (!producer) {
      GError *err = g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
          "No producer on this pair");
      gst_sig_signaller_emit_error (GST_SIG_SIGNALLER (self), err);
      g_error_free (err);
    } else {
      /* The consumer offers first when it says so (its offer then reaches
       * the producer as the session request); else the producer offers. */
      GstSigSignallerCapabilities caps;
      gst_sig_signaller_get_capabilities (GST_SIG_SIGNALLER (self), &caps);
      gst_sig_signaller_emit_session_started (GST_SIG_SIGNALLER (self), id.c_str (), "producer");
      if (!caps.consumer_offers)
        gst_sig_signaller_emit_session_requested (producer, id.c_str (), "consumer", nullptr);
      g_object_unref (producer);
    }
    g_object_unref (self);
  });
  return TRUE;
}

void
pair_stop (GstSigSignaller *signaller)
{
  auto self = TEST_PAIR_SIGNALLER (signaller);
  std::shared_ptr<Pair> pair;
  {
    std::lock_guard<std::mutex> guard (*self->lock);
    pair = std::move (*self->pair);
    *self->pair = nullptr;
  }
  if (!pair)
    return;
  std::lock_guard<std::mutex> guard (pair->lock);
  if (pair->producer == self)
    pair->producer = nullptr;
  for (auto it = pair->consumers.begin (); it != pair->consumers.end ();)
    it = it->second == self ? pair->consumers.erase (it) : std::next (it);
}

void
pair_send_sdp (GstSigSignaller *signaller, const gchar *session_id,
    const GstWebRTCSessionDescription *desc)
{
  auto self = TEST_PAIR_SIGNALLER (signaller);
  std::string slow;
  {
    std::lock_guard<std::mutex> guard (*self->lock);
    slow = param (*self->uri, "slow-sdp");
  }
  /* slow-sdp=MS: a description that takes a while to go out (a busy
   * link). webrtcbin gathers meanwhile; its candidates must still follow. */
  if (!slow.empty ())
    g_usleep (g_ascii_strtoull (slow.c_str (), nullptr, 10) * 1000);
  {
    std::lock_guard<std::mutex> guard (*self->lock);
    self->record->descriptions++;
    self->described->insert (session_id);
  }
  auto pair = pair_of (self);
  if (!pair)
    return;
  std::string id = session_id;
  auto copy = std::shared_ptr<GstWebRTCSessionDescription> (
      gst_webrtc_session_description_copy (desc), gst_webrtc_session_description_free);
  g_object_ref (self);
  pair->post ([pair, self, id, copy] () {
    if (GstSigSignaller *peer = pair->peer_of (self, id)) {
      /* The producer's view of a consumer's offer is a session request. */
      if (copy->type == GST_WEBRTC_SDP_TYPE_OFFER &&
          TEST_PAIR_SIGNALLER (peer) == pair->producer)
        gst_sig_signaller_emit_session_requested (peer, id.c_str (), "consumer", copy.get ());
      else
        gst_sig_signaller_emit_session_description (peer, id.c_str (), copy.get ());
      g_object_unref (peer);
    }
    g_object_unref (self);
  });
}

void
pair_add_ice (GstSigSignaller *signaller, const gchar *session_id, const gchar *candidate,
    guint mline, const gchar *)
{
  auto self = TEST_PAIR_SIGNALLER (signaller);
  {
    std::lock_guard<std::mutex> guard (*self->lock);
    self->record->candidates++;
    if (!self->described->count (session_id))
      self->record->early_candidates++;
  }
  auto pair = pair_of (self);
  if (!pair)
    return;
  std::string id = session_id, cand = candidate ? candidate : "";
  g_object_ref (self);
  pair->post ([pair, self, id, cand, mline] () {
    if (GstSigSignaller *peer = pair->peer_of (self, id)) {
      gst_sig_signaller_emit_handle_ice (peer, id.c_str (), mline, nullptr, cand.c_str ());
      g_object_unref (peer);
    }
    g_object_unref (self);
  });
}

void
pair_end_session (GstSigSignaller *signaller, const gchar *session_id, GstSigSessionEnd reason)
{
  auto self = TEST_PAIR_SIGNALLER (signaller);
  {
    std::lock_guard<std::mutex> guard (*self->lock);
    self->record->ends.push_back (reason);
  }
  auto pair = pair_of (self);
  if (!pair || reason == GST_SIG_SESSION_END_STOPPING)
    return;
  std::string id = session_id;
  g_object_ref (self);
  pair->post ([pair, self, id] () {
    if (GstSigSignaller *peer = pair->peer_of (self, id)) {
      gst_sig_signaller_emit_session_ended (peer, id.c_str ());
      g_object_unref (peer);
    }
    g_object_unref (self);
  });
}

void
pair_get_capabilities (GstSigSignaller *signaller, GstSigSignallerCapabilities *caps)
{
  auto self = TEST_PAIR_SIGNALLER (signaller);
  std::lock_guard<std::mutex> guard (*self->lock);
  caps->consumer_offers = param (*self->uri, "consumer-offers") == "1";
}

void
pair_iface_init (GstSigSignallerInterface *iface)
{
  iface->start = pair_start;
  iface->stop = pair_stop;
  iface->send_sdp = pair_send_sdp;
  iface->add_ice = pair_add_ice;
  iface->end_session = pair_end_session;
  iface->get_capabilities = pair_get_capabilities;
}

enum { PROP_URI = 1 };

} // namespace

G_DEFINE_TYPE_WITH_CODE (TestPairSignaller, test_pair_signaller, G_TYPE_OBJECT,
    G_IMPLEMENT_INTERFACE (GST_SIG_TYPE_SIGNALLER, pair_iface_init));

static void
test_pair_signaller_set_property (GObject *object, guint id, const GValue *value,
    GParamSpec *pspec)
{
  auto self = TEST_PAIR_SIGNALLER (object);
  std::lock_guard<std::mutex> guard (*self->lock);
  if (id == PROP_URI)
    *self->uri = g_value_get_string (value) ? g_value_get_string (value) : "";
}

static void
test_pair_signaller_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  auto self = TEST_PAIR_SIGNALLER (object);
  std::lock_guard<std::mutex> guard (*self->lock);
  if (id == PROP_URI)
    g_value_set_string (value, self->uri->c_str ());
}

static void
test_pair_signaller_finalize (GObject *object)
{
  auto self = TEST_PAIR_SIGNALLER (object);
  pair_stop (GST_SIG_SIGNALLER (self));
  delete self->lock;
  delete self->uri;
  delete self->record;
  delete self->described;
  delete self->pair;
  G_OBJECT_CLASS (test_pair_signaller_parent_class)->finalize (object);
}

static void
test_pair_signaller_class_init (TestPairSignallerClass *klass)
{
  auto gobject_class = G_OBJECT_CLASS (klass);
  gobject_class->set_property = test_pair_signaller_set_property;
  gobject_class->get_property = test_pair_signaller_get_property;
  gobject_class->finalize = test_pair_signaller_finalize;
  g_object_class_override_property (gobject_class, PROP_URI, "uri");
}

static void
test_pair_signaller_init (TestPairSignaller *self)
{
  self->lock = new std::mutex ();
  self->uri = new std::string ();
  self->record = new pair_test::Record ();
  self->described = new std::set<std::string> ();
  self->pair = new std::shared_ptr<Pair> ();
}

namespace pair_test {

void
register_scheme ()
{
  gst_sig_signaller_register_scheme ("pair", TEST_TYPE_PAIR_SIGNALLER);
}

Record
record_of (GstElement *element)
{
  GObject *signaller = nullptr;
  g_object_get (element, "signaller", &signaller, nullptr);
  Record copy;
  if (signaller && TEST_IS_PAIR_SIGNALLER (signaller)) {
    auto self = TEST_PAIR_SIGNALLER (signaller);
    std::lock_guard<std::mutex> guard (*self->lock);
    copy = *self->record;
  }
  if (signaller)
    g_object_unref (signaller);
  return copy;
}

void
reset ()
{
  std::lock_guard<std::mutex> guard (pairs_lock);
  pairs ().clear ();
}

} // namespace pair_test
