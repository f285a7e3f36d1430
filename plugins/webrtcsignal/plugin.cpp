/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "signaller.h"
#include "signallers/janus/janus-signaller.h"
#include "signallers/manual/manual-signaller.h"
#include "signallers/whip/whep-client.h"
#include "signallers/whip/whep-endpoint.h"
#include "signallers/whip/whip-client.h"
#include "signallers/whip/whip-endpoint.h"
#include "signallers/ws/ws-signaller.h"
#include "webrtcrecv.h"
#include "webrtcsend.h"

#include <initializer_list>

static gboolean
plugin_init (GstPlugin *plugin)
{
  for (const char *scheme : { "ws", "wss", "webrtc+ws", "webrtc+wss" })
    gst_sig_signaller_register_scheme (scheme, GST_SIG_TYPE_WS_SIGNALLER);
  gst_sig_signaller_register_scheme ("manual", GST_SIG_TYPE_MANUAL_SIGNALLER);
  gst_sig_signaller_register_scheme ("whip-listen", GST_SIG_TYPE_WHIP_ENDPOINT);
  gst_sig_signaller_register_scheme ("whep-listen", GST_SIG_TYPE_WHEP_ENDPOINT);
  for (const char *scheme : { "whip+http", "whip+https" })
    gst_sig_signaller_register_scheme (scheme, GST_SIG_TYPE_WHIP_CLIENT);
  for (const char *scheme : { "whep+http", "whep+https" })
    gst_sig_signaller_register_scheme (scheme, GST_SIG_TYPE_WHEP_CLIENT);
  for (const char *scheme : { "janus+ws", "janus+wss" })
    gst_sig_signaller_register_scheme (scheme, GST_SIG_TYPE_JANUS_SIGNALLER);
  gboolean ok = GST_ELEMENT_REGISTER (webrtcsend, plugin);
  ok &= GST_ELEMENT_REGISTER (webrtcrecv, plugin);
  return ok;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, webrtcsignal,
    "WebRTC send and receive elements with pluggable signalling", plugin_init, VERSION,
    GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
