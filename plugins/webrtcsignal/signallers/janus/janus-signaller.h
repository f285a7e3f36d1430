/* gst-webrtcsignal: the Janus VideoRoom signaller (janus+ws://, janus+wss://):
 * webrtcsend publishes into a room (one peer connection to Janus, whatever
 * the number of subscribers), webrtcrecv subscribes to one publisher of it.
 * URI: janus+ws://HOST:PORT/?room=ID[&display=NAME][&feed=ID][&create=1]
 * [&pin=PIN][&secret=SECRET][&token=TOKEN].
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_SIG_TYPE_JANUS_SIGNALLER (gst_sig_janus_signaller_get_type ())
G_DECLARE_FINAL_TYPE (GstSigJanusSignaller, gst_sig_janus_signaller, GST_SIG, JANUS_SIGNALLER,
    GstObject)

G_END_DECLS
