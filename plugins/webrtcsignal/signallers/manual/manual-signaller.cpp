/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "manual-signaller-private.h"

#include "signaller-worker.h"
#include "manual-token.h"
#include "sdp-utils.h"
#include "signaller.h"

#include <glib-unix.h>
#include <glib/gstdio.h>

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

GST_DEBUG_CATEGORY (manual_signaller_debug);
#define GST_CAT_DEFAULT manual_signaller_debug

#define GATHER_FALLBACK_MS 10000
#define POLL_MS 250

enum {
  PROP_0, PROP_URI, PROP_ANSWERING, PROP_DIRECTORY, PROP_STDIO, PROP_TIMEOUT,
  PROP_COMPRESS, PROP_OFFER, PROP_ANSWER, PROP_RECEIVER_OFFERS
};
enum { SIGNAL_LOCAL_TOKEN, SIGNAL_PASTE, N_SIGNALS };
static guint signals[N_SIGNALS];

static void gst_sig_manual_signaller_iface_init (GstSigSignallerInterface *iface);

G_DEFINE_TYPE_WITH_CODE (GstSigManualSignaller, gst_sig_manual_signaller, GST_TYPE_OBJECT,
    G_IMPLEMENT_INTERFACE (GST_SIG_TYPE_SIGNALLER, gst_sig_manual_signaller_iface_init));

static bool
is_true (const char *value)
{
  return value && (g_str_equal (value, "1") || g_ascii_strcasecmp (value, "true") == 0 ||
      g_ascii_strcasecmp (value, "yes") == 0);
}

/* ?timeout=SECONDS: 1 to MAX_TIMEOUT_S, or an error naming that range. */
static bool
parse_timeout (const char *text, guint *seconds, std::string *error)
{
  guint64 value = 0;
  if (!g_ascii_string_to_unsigned (text, 10, 1, MAX_TIMEOUT_S, &value, nullptr)) {
    *error = std::string ("manual: ?timeout=") + text + " is not a number of seconds from 1 to " +
        std::to_string (MAX_TIMEOUT_S) + " (a day)";
    return false;
  }
  *seconds = (guint) value;
  return true;
}

/* Called with priv->lock held: the URI's path and query set the settings. */
static void
apply_uri (GstSigManualSignallerPrivate *priv, const char *uri)
{
  priv->uri = uri ? uri : "";
  priv->uri_error.clear ();
  g_autoptr (GUri) parsed = uri ? g_uri_parse (uri, G_URI_FLAGS_NONE, nullptr) : nullptr;
  if (!parsed)
    return;
  const char *path = g_uri_get_path (parsed);
  if (path && *path)
    priv->directory = path;
  const char *query = g_uri_get_query (parsed);
  g_autoptr (GHashTable) params = query ? g_uri_parse_params (query, -1, "&",
      G_URI_PARAMS_NONE, nullptr) : nullptr;
  if (!params)
    return;
  if (auto v = (const char *) g_hash_table_lookup (params, "answer"))
    priv->answering = is_true (v);
  if (auto v = (const char *) g_hash_table_lookup (params, "offer"))
    priv->receiver_offers = is_true (v);
  if (auto v = (const char *) g_hash_table_lookup (params, "compress"))
    priv->compress = is_true (v);
  if (auto v = (const char *) g_hash_table_lookup (params, "timeout"))
    parse_timeout (v, &priv->timeout_s, &priv->uri_error);
}

/* ---- on the signaller thread ---- */

const char *
type_name (GstWebRTCSDPType type)
{
  return type == GST_WEBRTC_SDP_TYPE_OFFER ? "offer" : "answer";
}

std::string
file_for (GstSigManualSignaller *self, GstWebRTCSDPType type)
{
  g_autofree gchar *path = g_build_filename (self->priv->run_directory.c_str (),
      type == GST_WEBRTC_SDP_TYPE_OFFER ? "offer.txt" : "answer.txt", nullptr);
  return path;
}

void
fail (GstSigManualSignaller *self, GError *error)
{
  self->priv->stage = Stage::DONE;
  gst_sig_signaller_emit_error (GST_SIG_SIGNALLER (self), error);
  g_error_free (error);
}

void
store_token (GstSigManualSignaller *self, GstWebRTCSDPType type, const std::string &token)
{
  std::lock_guard<std::mutex> guard (self->priv->lock);
  (type == GST_WEBRTC_SDP_TYPE_OFFER ? self->priv->offer_token : self->priv->answer_token) =
      token;
}

static void
publish_local (GstSigManualSignaller *self)
{
  auto priv = self->priv;
  priv->worker.cancel (priv->fallback_source);
  priv->fallback_source = 0;
  std::string error;
  std::string sdp = manual::merge_candidates (priv->local_sdp, priv->candidates, &error);
  if (!error.empty ())
    GST_WARNING_OBJECT (self, "Could not merge candidates: %s", error.c_str ());
  std::string token = manual::encode_token (priv->local_type, sdp, priv->run_compress);
  const char *what = type_name (priv->local_type);
  GST_INFO_OBJECT (self, "Our %s is ready: %zu candidates, %zu bytes", what,
      priv->candidates.size (), token.size ());
  store_token (self, priv->local_type, token);
  g_signal_emit (self, signals[SIGNAL_LOCAL_TOKEN], 0, token.c_str ());

  if (!priv->run_directory.empty ()) {
    std::string path = file_for (self, priv->local_type);
    std::string line = token + "\n";
    GError *write_error = nullptr;
    /* g_file_set_contents writes a temporary file and renames it. */
    if (!g_file_set_contents (path.c_str (), line.c_str (), line.size (), &write_error)) {
      GError *err = g_error_new (GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE,
          "Could not write our %s to %s: %s. Check that the directory exists and is "
          "writable.", what, path.c_str (), write_error->message);
      g_error_free (write_error);
      fail (self, err);
      return;
    }
    g_printerr ("webrtc manual: our %s is in %s\n", what, path.c_str ());
  } else if (priv->run_stdio) {
    g_printerr ("webrtc manual: send this %s token to the other side (the line below):\n",
        what);
    fprintf (stdout, "%s\n", token.c_str ());
    fflush (stdout);
  }
  if (priv->local_type == GST_WEBRTC_SDP_TYPE_OFFER)
    wait_for (self, Stage::WAIT_ANSWER);
  else
    priv->stage = Stage::DONE;
}

static void
maybe_publish (GstSigManualSignaller *self)
{
  auto priv = self->priv;
  if (priv->stage == Stage::GATHERING && priv->have_local && priv->gathered)
    publish_local (self);
}

/* ---- the interface, called from element threads ---- */

static gboolean
manual_start (GstSigSignaller *signaller, const GstSigSignallerSettings *settings,
    GError **error)
{
  auto self = GST_SIG_MANUAL_SIGNALLER (signaller);
  auto priv = self->priv;
  bool consumer, answering, compress, stdio;
  std::string directory, uri_error;
  guint timeout_s;
  {
    std::lock_guard<std::mutex> guard (priv->lock);
    uri_error = priv->uri_error;
    consumer = settings->role == GST_SIG_SIGNALLER_ROLE_CONSUMER;
    /* webrtcrecv answers, unless it was asked to offer (receiver-offers). */
    answering = priv->answering || (consumer && !priv->receiver_offers);
    compress = priv->compress;
    stdio = priv->stdio;
    directory = priv->directory;
    timeout_s = priv->timeout_s;
  }
  if (!uri_error.empty ()) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS, "%s", uri_error.c_str ());
    return FALSE;
  }
  if (!directory.empty () && !g_file_test (directory.c_str (), G_FILE_TEST_IS_DIR)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
        "The manual signaller's directory %s does not exist; create it (tokens go to "
        "offer.txt and answer.txt there).", directory.c_str ());
    return FALSE;
  }
  priv->worker.start ();
  priv->worker.post ([self, consumer, answering, compress, stdio, directory, timeout_s] () {
    auto priv = self->priv;
    priv->run_consumer = consumer;
    priv->run_answering = answering;
    priv->run_compress = compress;
    priv->run_directory = directory;
    priv->run_stdio = stdio && directory.empty ();
    priv->run_timeout_s = timeout_s;
    priv->have_local = priv->gathered = false;
    priv->candidates.clear ();
    priv->stdin_buffer.clear ();
    priv->raw_sdp.clear ();
    priv->last_bad_file.clear ();
    if (!directory.empty ()) {
      if (!priv->run_answering)
        g_unlink (file_for (self, GST_WEBRTC_SDP_TYPE_ANSWER).c_str ()); /* stale */
      priv->poll_source = priv->worker.timeout (POLL_MS, [self] () { return poll_file (self); });
    } else if (priv->run_stdio) {
      priv->stdin_source = g_unix_fd_source_new (STDIN_FILENO,
          (GIOCondition) (G_IO_IN | G_IO_HUP | G_IO_ERR));
      g_source_set_callback (priv->stdin_source, (GSourceFunc) (GCallback) on_stdin, self,
          nullptr);
      g_source_attach (priv->stdin_source, priv->worker.context ());
    }
    if (priv->run_answering) {
      wait_for (self, Stage::WAIT_OFFER);
    } else {
      priv->stage = Stage::GATHERING;
      g_printerr ("webrtc manual: preparing our offer (gathering every ICE candidate)...\n");
      /* webrtcsend is asked for a session; webrtcrecv (receiver-offers) is
       * told one started and makes its receive-only offer. */
      if (priv->run_consumer)
        gst_sig_signaller_emit_session_started (GST_SIG_SIGNALLER (self), SESSION_ID, PEER_ID);
      else
        gst_sig_signaller_emit_session_requested (GST_SIG_SIGNALLER (self), SESSION_ID, PEER_ID,
            nullptr);
    }
  });
  return TRUE;
}

static void
manual_stop (GstSigSignaller *signaller)
{
  auto self = GST_SIG_MANUAL_SIGNALLER (signaller);
  auto priv = self->priv;
  priv->worker.stop ([self] () {
    auto priv = self->priv;
    priv->stage = Stage::IDLE;
    for (guint *source : { &priv->fallback_source, &priv->deadline_source, &priv->poll_source }) {
      priv->worker.cancel (*source);
      *source = 0;
    }
    if (priv->stdin_source) {
      g_source_destroy (priv->stdin_source);
      g_source_unref (std::exchange (priv->stdin_source, nullptr));
    }
  });
}

static void
manual_send_sdp (GstSigSignaller *signaller, const gchar *session_id,
    const GstWebRTCSessionDescription *desc)
{
  auto self = GST_SIG_MANUAL_SIGNALLER (signaller);
  std::string sdp = gstsig::session_description_to_text (desc);
  GstWebRTCSDPType type = desc->type;
  self->priv->worker.post ([self, sdp, type] () {
    auto priv = self->priv;
    if (priv->stage != Stage::GATHERING || priv->have_local)
      return;
    priv->local_sdp = sdp;
    priv->local_type = type == GST_WEBRTC_SDP_TYPE_OFFER ? type : GST_WEBRTC_SDP_TYPE_ANSWER;
    priv->have_local = true;
    /* Vanilla ICE: wait for end-of-candidates, but not for ever. */
    priv->fallback_source = priv->worker.timeout (GATHER_FALLBACK_MS, [self] () {
      GST_WARNING_OBJECT (self, "ICE gathering did not complete within %d ms; sending the "
          "candidates gathered so far", GATHER_FALLBACK_MS);
      self->priv->fallback_source = 0;
      self->priv->gathered = true;
      maybe_publish (self);
      return false;
    });
    maybe_publish (self);
  });
}

static void
manual_add_ice (GstSigSignaller *signaller, const gchar *session_id, const gchar *candidate,
    guint sdp_m_line_index, const gchar *sdp_mid)
{
  auto self = GST_SIG_MANUAL_SIGNALLER (signaller);
  std::string cand = candidate ? candidate : "";
  self->priv->worker.post ([self, cand, sdp_m_line_index] () {
    auto priv = self->priv;
    if (priv->stage != Stage::GATHERING) {
      GST_DEBUG_OBJECT (self, "Late candidate dropped (vanilla ICE)");
      return;
    }
    if (cand.empty ())
      priv->gathered = true;
    else
      priv->candidates.push_back ({ sdp_m_line_index, cand });
    maybe_publish (self);
  });
}

static void
manual_end_session (GstSigSignaller *signaller, const gchar *session_id,
    GstSigSessionEnd reason)
{
  auto self = GST_SIG_MANUAL_SIGNALLER (signaller);
  if (reason == GST_SIG_SESSION_END_STOPPING)
    return; /* stop () follows */
  self->priv->worker.post ([self] () {
    auto priv = self->priv;
    GST_INFO_OBJECT (self, "The session ended");
    priv->worker.cancel (priv->deadline_source);
    priv->worker.cancel (priv->fallback_source);
    priv->deadline_source = priv->fallback_source = 0;
    Stage stage = std::exchange (priv->stage, Stage::DONE);
    if (stage != Stage::GATHERING && stage != Stage::WAIT_ANSWER)
      return;
    /* The element gave up before the exchange was over (its setup time ran
     * out while a person was pasting): start again rather than go silent. */
    priv->have_local = priv->gathered = false;
    priv->candidates.clear ();
    if (priv->run_answering) {
      g_printerr ("webrtc manual: the session ended before it connected; start again with "
          "a new offer from the other side.\n");
      wait_for (self, Stage::WAIT_OFFER);
    } else {
      g_printerr ("webrtc manual: the session ended before it connected (the answer came too "
          "late or not at all); here comes a new offer, the previous one is void.\n");
      priv->stage = Stage::GATHERING;
      gst_sig_signaller_emit_session_requested (GST_SIG_SIGNALLER (self), SESSION_ID, PEER_ID,
          nullptr);
    }
  });
}

/* A person pastes tokens: a session may take the paste timeout and a
 * margin to connect. As webrtcrecv with receiver-offers, we offer. */
static void
manual_get_capabilities (GstSigSignaller *signaller, GstSigSignallerCapabilities *caps)
{
  auto priv = GST_SIG_MANUAL_SIGNALLER (signaller)->priv;
  std::lock_guard<std::mutex> guard (priv->lock);
  caps->consumer_offers = priv->receiver_offers;
  caps->setup_timeout_s = (guint) MIN ((guint64) priv->timeout_s + 30, (guint64) G_MAXUINT);
}

static void
gst_sig_manual_signaller_iface_init (GstSigSignallerInterface *iface)
{
  iface->start = manual_start;
  iface->stop = manual_stop;
  iface->send_sdp = manual_send_sdp;
  iface->add_ice = manual_add_ice;
  iface->end_session = manual_end_session;
  iface->get_capabilities = manual_get_capabilities;
}

/* The "paste" action signal: an application hands over the remote token. */
static void
manual_paste (GstSigManualSignaller *self, const gchar *token)
{
  std::string text = token ? token : "";
  if (!token || !self->priv->worker.post ([self, text] () { handle_input (self, text); }))
    GST_WARNING_OBJECT (self, "\"paste\" ignored: the signaller is not started");
}

/* ---- GObject ---- */

static void
gst_sig_manual_signaller_set_property (GObject *object, guint prop_id, const GValue *value,
    GParamSpec *pspec)
{
  auto self = GST_SIG_MANUAL_SIGNALLER (object);
  auto priv = self->priv;
  std::lock_guard<std::mutex> guard (priv->lock);
  switch (prop_id) {
    case PROP_URI: apply_uri (priv, g_value_get_string (value)); break;
    case PROP_ANSWERING: priv->answering = g_value_get_boolean (value); break;
    case PROP_RECEIVER_OFFERS: priv->receiver_offers = g_value_get_boolean (value); break;
    case PROP_DIRECTORY:
      priv->directory = g_value_get_string (value) ? g_value_get_string (value) : "";
      break;
    case PROP_STDIO: priv->stdio = g_value_get_boolean (value); break;
    case PROP_TIMEOUT: priv->timeout_s = g_value_get_uint (value); break;
    case PROP_COMPRESS: priv->compress = g_value_get_boolean (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_sig_manual_signaller_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  auto self = GST_SIG_MANUAL_SIGNALLER (object);
  auto priv = self->priv;
  std::lock_guard<std::mutex> guard (priv->lock);
  switch (prop_id) {
    case PROP_URI: g_value_set_string (value, priv->uri.c_str ()); break;
    case PROP_ANSWERING: g_value_set_boolean (value, priv->answering); break;
    case PROP_RECEIVER_OFFERS: g_value_set_boolean (value, priv->receiver_offers); break;
    case PROP_DIRECTORY: g_value_set_string (value, priv->directory.c_str ()); break;
    case PROP_STDIO: g_value_set_boolean (value, priv->stdio); break;
    case PROP_TIMEOUT: g_value_set_uint (value, priv->timeout_s); break;
    case PROP_COMPRESS: g_value_set_boolean (value, priv->compress); break;
    case PROP_OFFER:
      g_value_set_string (value, priv->offer_token.empty () ? nullptr : priv->offer_token.c_str ());
      break;
    case PROP_ANSWER:
      g_value_set_string (value,
          priv->answer_token.empty () ? nullptr : priv->answer_token.c_str ());
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_sig_manual_signaller_finalize (GObject *object)
{
  auto self = GST_SIG_MANUAL_SIGNALLER (object);
  manual_stop (GST_SIG_SIGNALLER (self));
  delete self->priv;
  G_OBJECT_CLASS (gst_sig_manual_signaller_parent_class)->finalize (object);
}

static void
gst_sig_manual_signaller_class_init (GstSigManualSignallerClass *klass)
{
  auto gobject_class = G_OBJECT_CLASS (klass);
  gobject_class->set_property = gst_sig_manual_signaller_set_property;
  gobject_class->get_property = gst_sig_manual_signaller_get_property;
  gobject_class->finalize = gst_sig_manual_signaller_finalize;
  auto rw = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  auto ro = (GParamFlags) (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_override_property (gobject_class, PROP_URI, "uri");
  g_object_class_install_property (gobject_class, PROP_ANSWERING,
      g_param_spec_boolean ("answering", "Answering",
          "Wait for the other side's offer and answer it instead of offering (webrtcrecv "
          "answers unless receiver-offers is set). Also ?answer=1 in the URI. Default: false",
          FALSE, rw));
  g_object_class_install_property (gobject_class, PROP_RECEIVER_OFFERS,
      g_param_spec_boolean ("receiver-offers", "Receiver offers",
          "webrtcrecv makes a receive-only offer (printed as our token) and reads the answer, "
          "instead of answering a pasted offer. Also ?offer=1 in the URI. Default: false",
          FALSE, rw));
  g_object_class_install_property (gobject_class, PROP_DIRECTORY,
      g_param_spec_string ("directory", "Directory",
          "Exchange tokens through DIR/offer.txt and DIR/answer.txt instead of stdin/stdout "
          "(the path of manual:///DIR). Default: empty (stdin/stdout)", "", rw));
  g_object_class_install_property (gobject_class, PROP_STDIO,
      g_param_spec_boolean ("stdio", "Standard I/O",
          "Without a directory, print our token on stdout and read the other side's from "
          "stdin; false leaves it to the application (\"local-token\" and \"paste\"). "
          "Default: true", TRUE, rw));
  g_object_class_install_property (gobject_class, PROP_TIMEOUT,
      g_param_spec_uint ("timeout", "Timeout",
          "Seconds to wait for the other side's token before failing (also ?timeout=S). "
          "Default: 600, at most 86400 (a day)",
          1, MAX_TIMEOUT_S, DEFAULT_TIMEOUT_S, rw));
  g_object_class_install_property (gobject_class, PROP_COMPRESS,
      g_param_spec_boolean ("compress", "Compress",
          "Print the compressed form \"z:\" + base64url(deflate(JSON)) instead of pion's "
          "base64(JSON) (also ?compress=1). Reading accepts every form. Default: false",
          FALSE, rw));
  g_object_class_install_property (gobject_class, PROP_OFFER,
      g_param_spec_string ("offer", "Offer",
          "The last offer token, ours or the other side's (NULL before)", nullptr, ro));
  g_object_class_install_property (gobject_class, PROP_ANSWER,
      g_param_spec_string ("answer", "Answer",
          "The last answer token, ours or the other side's (NULL before)", nullptr, ro));

  /**
   * GstSigManualSignaller::local-token:
   * @token: our offer or answer, one line, ready to hand to the other side
   *
   * Emitted from the signaller's thread once our description and all its
   * candidates are ready.
   */
  signals[SIGNAL_LOCAL_TOKEN] = g_signal_new ("local-token", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, nullptr, nullptr, nullptr, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * GstSigManualSignaller::paste:
   * @token: the other side's offer or answer, in any accepted form
   *
   * Action signal: hands over the other side's token, as a paste on stdin
   * would. A token that is not accepted is reported on stderr and ignored.
   */
  signals[SIGNAL_PASTE] = g_signal_new_class_handler ("paste", G_TYPE_FROM_CLASS (klass),
      (GSignalFlags) (G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION), G_CALLBACK (manual_paste), nullptr,
      nullptr, nullptr, G_TYPE_NONE, 1, G_TYPE_STRING);

  GST_DEBUG_CATEGORY_INIT (manual_signaller_debug, "webrtcsignal-manual", 0,
      "Manual (copy-paste) signaller of gst-webrtcsignal");
}

static void
gst_sig_manual_signaller_init (GstSigManualSignaller *self)
{
  self->priv = new GstSigManualSignallerPrivate ();
}
