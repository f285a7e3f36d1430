/* SPDX-License-Identifier: LGPL-2.1-or-later */
/**
 * plugin-rtpdiag:
 *
 * RTP stream diagnostics: the `rtpdiag` pass-through element.
 *
 * Since: 0.1
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstrtpdiag.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  return GST_ELEMENT_REGISTER (rtpdiag, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, rtpdiag,
    "RTP stream diagnostics: loss, jitter, bitrate, frame rate and keyframes per SSRC",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
