/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "signaller.h"
#include "signallers/ws-signaller.h"
#include "webrtcsend.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  gst_sig_signaller_register_scheme ("ws", GST_SIG_TYPE_WS_SIGNALLER);
  gst_sig_signaller_register_scheme ("wss", GST_SIG_TYPE_WS_SIGNALLER);
  return GST_ELEMENT_REGISTER (webrtcsend, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, webrtcsignal,
    "WebRTC send and receive elements with pluggable signalling", plugin_init, VERSION,
    GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
