/* gst-webrtcsignal: an error inside one session's webrtcbin ends that
 * session, not the pipeline.
 *
 * webrtcbin's elements post errors about one peer connection: what its peer
 * or the network did, or a race of webrtcbin's own (seen with GStreamer
 * 1.22: a nicesrc stopping with "not-negotiated" while 100 browser viewers
 * came and went, tests/browser/soak.mjs). On the application's bus such an
 * error stops every viewer's stream: gst-launch-1.0 quits on the first one.
 * webrtcsend and webrtcrecv therefore take errors from inside a session's
 * webrtcbin off the bus, end that session (GST_SIG_SESSION_END_FAILED: its
 * peer is told) and post the error, with the same domain and code, as a
 * warning of their own that names the session (details: "session-id",
 * "from": the path of the element that failed).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

#include <string>

namespace gstsig {

/* The name of session_id's webrtcbin in the element's bin. */
std::string session_webrtcbin_name (const std::string &session_id);

/* The webrtcbin of a session (a child of bin named by
 * session_webrtcbin_name) that is src or holds it, and that session's id
 * in *session_id; nullptr otherwise (transfer full). Any thread. */
GstElement *session_webrtcbin_holding (GstBin *bin, GstObject *src, std::string *session_id);

/* The warning element posts instead of error, an ERROR message from inside
 * session_id's webrtcbin (transfer full). *summary: one line for logs and
 * the session's end. */
GstMessage *session_error_as_warning (GstElement *element, GstMessage *error,
    const std::string &session_id, std::string *summary);

} // namespace gstsig
