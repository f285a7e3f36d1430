/* gst-webrtcsignal: a GIOStream over a connection (a socket or TLS stream)
 * that counts what goes through it, so a server can police a connection
 * libsoup owns: bytes read and written, the time of the last read, and a
 * read limit past which reads fail (a message that never ends, a request
 * that never stops). Internal to the library.
 *
 * Threading: the numbers are atomics: the stream is read and written on the
 * thread that runs the connection (after a WebSocket upgrade, one of the
 * server's I/O threads) while the listener's sweep reads them on the
 * server's thread. read_limit_reason is set before the connection is handed
 * to another thread, or by the thread that runs it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include <atomic>
#include <memory>
#include <string>

namespace gstsig {

struct StreamCounters {
  std::atomic<guint64> read { 0 };
  std::atomic<guint64> written { 0 };
  std::atomic<gint64> last_read_us { 0 };      /* g_get_monotonic_time () of the last read */
  std::atomic<guint64> read_limit { G_MAXUINT64 }; /* reads fail once `read` reaches it */
  std::string read_limit_reason;       /* the error text when it does */
  std::atomic<bool> closed { false };  /* the stream was closed or finalized */
};

/* A new stream over base (transfer none; the new stream holds a reference
 * and closes base when it is closed). Reads and writes are pollable when
 * base's are, as libsoup needs. */
GIOStream *counted_stream_new (GIOStream *base, std::shared_ptr<StreamCounters> counters);

} // namespace gstsig
