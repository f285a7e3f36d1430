/* gst-webrtcsignal: rtpdiag, a pass-through element that measures RTP
 * streams (loss, jitter, bitrate, frame rate, keyframes) per SSRC.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/base/gstbasetransform.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_SIG_TYPE_RTP_DIAG (gst_sig_rtp_diag_get_type ())
G_DECLARE_FINAL_TYPE (GstSigRtpDiag, gst_sig_rtp_diag, GST_SIG, RTP_DIAG, GstBaseTransform)

#define GST_SIG_TYPE_RTP_DIAG_ARRIVAL (gst_sig_rtp_diag_arrival_get_type ())
GType gst_sig_rtp_diag_arrival_get_type (void);

GST_ELEMENT_REGISTER_DECLARE (rtpdiag);

G_END_DECLS
