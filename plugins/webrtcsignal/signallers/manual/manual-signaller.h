/* gst-webrtcsignal: the manual signaller (manual:), for copy-paste and
 * file-based exchange of one offer and one answer with vanilla ICE.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_SIG_TYPE_MANUAL_SIGNALLER (gst_sig_manual_signaller_get_type ())
G_DECLARE_FINAL_TYPE (GstSigManualSignaller, gst_sig_manual_signaller, GST_SIG,
    MANUAL_SIGNALLER, GstObject)

G_END_DECLS
