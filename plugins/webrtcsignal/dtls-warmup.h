/* gst-webrtcsignal: webrtcbin's DTLS certificate, made before the first
 * session needs it.
 *
 * GStreamer 1.22's dtlsdec makes one RSA-2048 certificate per process, in
 * the init of the first dtlsdec (gst_dtls_dec_init → get_agent_by_pem
 * (NULL), under a g_once). webrtcbin makes its dtlsdecs while it creates
 * its first offer or answer, so the first session of a process waited for
 * the key generation there: 70-210 ms for `openssl genrsa 2048` on an idle
 * core of the bench machine, 364 ms in one start of webrtcsend beside its
 * encoder (GST_DEBUG=dtlsdec:5, webrtcbin:5).
 *
 * start_dtls_certificate_warmup () makes a dtlsdec on a thread of its own,
 * once per process; a session that comes before the key is ready waits in
 * dtlsdec's g_once for the rest of it. finish_dtls_certificate_warmup ()
 * joins that thread, so that no thread is left inside OpenSSL when the
 * process exits. Both from any thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

namespace gstsig {

void start_dtls_certificate_warmup ();
void finish_dtls_certificate_warmup ();

} // namespace gstsig
