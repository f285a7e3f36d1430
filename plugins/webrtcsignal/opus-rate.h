/* gst-webrtcsignal: changing a running opusenc's bitrate and frame size.
 *
 * opusenc (1.22) aborts when its frame-size is made smaller from another
 * thread while it encodes: its base class may already have cut a buffer
 * at the old frame size, and gst_opus_enc_encode then fails its
 * `size == bytes` assertion (seen in the soak test as a viewer's audio went
 * from the low level's 60 ms frames back to 20 ms; a thread switching
 * between them every millisecond makes it abort within a second). Its
 * bitrate goes into libopus's state under a lock that encoding does not
 * take. So both changes are made in the encoder's streaming thread: the
 * newest values wait, and a one-shot probe on its sink pad applies them
 * before the next buffer goes in.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

namespace gstsig {

/* Has opusenc encode at kbps in frames of frame_ms (2.5 is 2; 5, 10, 20,
 * 40 or 60) from its next buffer on; the latest call wins. Any thread, but
 * calls for one encoder must not overlap (webrtcsend makes them under its
 * encoders lock). */
void set_opus_rate (GstElement *opusenc, unsigned kbps, unsigned frame_ms);

} // namespace gstsig
