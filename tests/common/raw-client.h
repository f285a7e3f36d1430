/* Test helper: a client on a bare TCP socket that behaves as attackers do:
 * it sends half requests, endless fragments, never reads or never answers
 * pings. Blocking POSIX calls, each bounded by a timeout; for servers that
 * run on a thread of their own (threaded-server.h). Header-only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

namespace gstsig::test {

class RawClient {
public:
  RawClient () = default;
  ~RawClient () { close_now (); }
  RawClient (const RawClient &) = delete;
  RawClient &operator= (const RawClient &) = delete;

  /* Connects to 127.0.0.1:port from source_ip (any 127.x.y.z is this
   * machine's loopback, so tests can be several "addresses").
   * receive_buffer: a small SO_RCVBUF for a client that will not read. */
  bool connect_to (unsigned port, const char *source_ip = "127.0.0.1", int receive_buffer = 0)
  {
    fd_ = socket (AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0)
      return false;
    if (receive_buffer > 0)
      setsockopt (fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    sockaddr_in local {};
    local.sin_family = AF_INET;
    inet_pton (AF_INET, source_ip, &local.sin_addr);
    if (bind (fd_, reinterpret_cast<sockaddr *> (&local), sizeof local) != 0)
      return false;
    sockaddr_in remote {};
    remote.sin_family = AF_INET;
    remote.sin_port = htons ((uint16_t) port);
    inet_pton (AF_INET, "127.0.0.1", &remote.sin_addr);
    return connect (fd_, reinterpret_cast<sockaddr *> (&remote), sizeof remote) == 0;
  }

  /* Sends everything, or false (peer gone: EPIPE, ECONNRESET). */
  bool send_all (const std::string &data)
  {
    size_t off = 0;
    while (off < data.size ()) {
      if (!wait_for (POLLOUT, 5000))
        return false;
      ssize_t n = ::send (fd_, data.data () + off, data.size () - off, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return false;
      off += (size_t) n;
    }
    return true;
  }

  /* Sends a WebSocket upgrade and reads the response head; returns its
   * status (101 when upgraded), 0 when none came. */
  int upgrade (const std::string &path = "/", const std::string &extra_headers = "")
  {
    std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" + extra_headers + "\r\n";
    if (!send_all (request))
      return 0;
    return read_status ();
  }

  /* A masked client frame (RFC 6455 5.2). opcode 1 text, 0 continuation. */
  static std::string frame (int opcode, bool fin, const std::string &payload)
  {
    std::string f;
    f += (char) ((fin ? 0x80 : 0) | opcode);
    size_t len = payload.size ();
    if (len < 126) {
      f += (char) (0x80 | len);
    } else if (len < 65536) {
      f += (char) (0x80 | 126);
      f += (char) (len >> 8);
      f += (char) (len & 0xff);
    } else {
      f += (char) (0x80 | 127);
      for (int i = 7; i >= 0; i--)
        f += (char) ((len >> (8 * i)) & 0xff);
    }
    const char mask[4] = { 0x11, 0x22, 0x33, 0x44 };
    f.append (mask, 4);
    for (size_t i = 0; i < len; i++)
      f += (char) (payload[i] ^ mask[i % 4]);
    return f;
  }

  bool send_text (const std::string &text) { return send_all (frame (1, true, text)); }

  /* The status of the next HTTP response head, 0 when none comes. */
  int read_status (int timeout_ms = 5000)
  {
    std::string head;
    char c;
    while (head.size () < 8192 && head.find ("\r\n\r\n") == std::string::npos) {
      if (!wait_for (POLLIN, timeout_ms) || ::recv (fd_, &c, 1, 0) != 1)
        break;
      head += c;
    }
    int status = 0;
    std::sscanf (head.c_str (), "HTTP/1.%*d %d", &status);
    return status;
  }

  /* The payload of the next text frame (control frames skipped), or ""
   * when none comes within timeout_ms or the connection ends. */
  std::string read_text (int timeout_ms = 5000)
  {
    for (;;) {
      unsigned char h[2];
      if (!read_exact (h, 2, timeout_ms))
        return "";
      uint64_t len = h[1] & 0x7f;
      if (len == 126 || len == 127) {
        unsigned char ext[8];
        size_t n = len == 126 ? 2 : 8;
        if (!read_exact (ext, n, timeout_ms))
          return "";
        len = 0;
        for (size_t i = 0; i < n; i++)
          len = (len << 8) | ext[i];
      }
      std::string payload (len, '\0');
      if (len > 0 && !read_exact (payload.data (), len, timeout_ms))
        return "";
      if ((h[0] & 0x0f) == 1)
        return payload;
    }
  }

  /* Reads (and discards) until the server ends the connection; returns the
   * bytes read, or -1 if it is still open after timeout_ms. */
  long long read_until_closed (int timeout_ms)
  {
    long long total = 0;
    char buf[65536];
    gint64_like deadline = now_ms () + timeout_ms;
    for (;;) {
      long long left = deadline - now_ms ();
      if (left <= 0 || !wait_for (POLLIN, (int) left))
        return -1;
      ssize_t n = ::recv (fd_, buf, sizeof buf, 0);
      if (n == 0 || (n < 0 && errno == ECONNRESET))
        return total;
      if (n < 0 && errno != EINTR)
        return total;
      if (n > 0)
        total += n;
    }
  }

  void close_now ()
  {
    if (fd_ >= 0)
      ::close (fd_);
    fd_ = -1;
  }

private:
  using gint64_like = long long;

  static long long now_ms ()
  {
    timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
  }

  bool wait_for (short events, int timeout_ms)
  {
    pollfd p { fd_, events, 0 };
    int r;
    do {
      r = poll (&p, 1, timeout_ms);
    } while (r < 0 && errno == EINTR);
    return r > 0;
  }

  bool read_exact (void *buf, size_t len, int timeout_ms)
  {
    auto out = static_cast<char *> (buf);
    while (len > 0) {
      if (!wait_for (POLLIN, timeout_ms))
        return false;
      ssize_t n = ::recv (fd_, out, len, 0);
      if (n <= 0)
        return false;
      out += n;
      len -= (size_t) n;
    }
    return true;
  }

  int fd_ = -1;
};

} // namespace gstsig::test
