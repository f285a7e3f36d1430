/* gst-webrtcsignal: GstSigBaseBin, the abstract bin under webrtcsend and
 * webrtcrecv: what both elements have in common.
 *
 * - the signaller slot: `uri` picks the signaller, exposed as the child
 *   "signaller" (GstChildProxy) and as a GstURIHandler (the subclass names
 *   its URI type and protocols in its class);
 * - the common properties: uri, signaller, stun-server, turn-servers,
 *   ice-transport-policy,
 *   video-codecs, audio-codecs, peer-timeout, stats, stats-interval,
 *   diagnostics (installed on the subclass with its own defaults and
 *   blurbs, gst_sig_base_bin_class_install_properties);
 * - start/stop: NULL->READY checks the URI and the codec lists, then the
 *   subclass' prepare; READY->PAUSED starts the signaller with one
 *   GstSigSignallerSettings (role, ICE servers, codecs, and what configure
 *   adds) and the sessions (SessionHost); PAUSED->READY ends the sessions,
 *   then stops the signaller;
 * - messages: an error from inside one session's webrtcbin ends that session
 *   and is posted as the element's warning (session-errors.h).
 *
 * A subclass overrides change_state for its own steps and chains up.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "codecs.h"
#include "session-host.h"
#include "signaller.h"

#include <gst/gst.h>

#include <memory>
#include <string>
#include <vector>

G_BEGIN_DECLS

#define GST_SIG_TYPE_BASE_BIN (gst_sig_base_bin_get_type ())
G_DECLARE_DERIVABLE_TYPE (GstSigBaseBin, gst_sig_base_bin, GST_SIG, BASE_BIN, GstBin)

struct _GstSigBaseBinClass {
  GstBinClass parent_class;

  /* Set by the subclass' class_init. */
  GstSigSignallerRole role;
  GstURIType uri_type;
  const gchar *const *uri_protocols;

  /* NULL->READY, after the common checks: the subclass' own. FALSE after
   * posting an error. */
  gboolean (*prepare) (GstSigBaseBin *self);
  /* READY->PAUSED: what the subclass adds to the signaller's settings
   * (max_sessions, meta). */
  void (*configure) (GstSigBaseBin *self, GstSigSignallerSettings *settings);
  /* READY->PAUSED: how the sessions are made and watched. */
  gstsig::SessionHost::Callbacks (*callbacks) (GstSigBaseBin *self);
  /* PAUSED->READY, once every session has ended and the signaller has
   * stopped, before the bin's children change state. Optional. */
  void (*sessions_stopped) (GstSigBaseBin *self);
};

/* Property ids of the common properties; a subclass numbers its own from
 * GST_SIG_BASE_BIN_PROP_LAST, and its set/get_property hands ids below
 * that to gst_sig_base_bin_set_property/get_property. */
enum {
  GST_SIG_BASE_BIN_PROP_URI = 1,
  GST_SIG_BASE_BIN_PROP_SIGNALLER,
  GST_SIG_BASE_BIN_PROP_STUN_SERVER,
  GST_SIG_BASE_BIN_PROP_TURN_SERVERS,
  GST_SIG_BASE_BIN_PROP_VIDEO_CODECS,
  GST_SIG_BASE_BIN_PROP_AUDIO_CODECS,
  GST_SIG_BASE_BIN_PROP_PEER_TIMEOUT,
  GST_SIG_BASE_BIN_PROP_STATS,
  GST_SIG_BASE_BIN_PROP_STATS_INTERVAL,
  GST_SIG_BASE_BIN_PROP_DIAGNOSTICS,
  GST_SIG_BASE_BIN_PROP_ICE_TRANSPORT_POLICY,
  GST_SIG_BASE_BIN_PROP_TURN_CA_FILE,
  GST_SIG_BASE_BIN_PROP_LAST
};

G_END_DECLS

namespace gstsig {

/* What differs between the two elements' common properties. */
struct BaseBinDefaults {
  const char *element;        /* "webrtcsend" */
  const char *uri_blurb;
  const char *codecs_verb;    /* "offered to consumers", "accepted" */
  const char *video_codecs;   /* default list */
  const char *audio_codecs;
  unsigned peer_timeout_s;
  unsigned peer_timeout_min_s;
  const char *peer_timeout_blurb;
  const char *stats_blurb;
};

/* The common settings, checked and snapshot at NULL->READY. */
struct BaseBinSettings {
  IceSettings ice;
  std::vector<const Codec *> video_codecs; /* in order of preference */
  std::vector<const Codec *> audio_codecs;
  unsigned stats_interval_ms = 1000;
  bool diagnostics = false;
};

void gst_sig_base_bin_class_install_properties (GObjectClass *klass,
    const BaseBinDefaults &defaults);
void gst_sig_base_bin_set_property (GObject *object, guint prop_id, const GValue *value,
    GParamSpec *pspec);
void gst_sig_base_bin_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec);

/* The subclass' instance_init gives the base its sessions (a Sessions<S>)
 * and the defaults it installed. */
void gst_sig_base_bin_init_sessions (GstSigBaseBin *self, std::unique_ptr<SessionHost> host,
    const BaseBinDefaults &defaults);
SessionHost &gst_sig_base_bin_sessions (GstSigBaseBin *self);
/* The settings of the current run (valid from NULL->READY on). */
const BaseBinSettings &gst_sig_base_bin_settings (GstSigBaseBin *self);
std::string gst_sig_base_bin_uri (GstSigBaseBin *self);
/* The signaller (transfer full). */
GstSigSignaller *gst_sig_base_bin_dup_signaller (GstSigBaseBin *self);

} // namespace gstsig
