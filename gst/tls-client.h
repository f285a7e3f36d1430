/* gst-webrtcsignal: TLS for our clients (the WebSocket signaller, the
 * WHIP/WHEP clients, gst-webrtc-record, gst-webrtc-send): which servers to
 * trust (a CA file, or an explicit insecure switch for self-signed test
 * servers), and a failed handshake turned into an error that names the
 * certificate problem and the option that fixes it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <libsoup/soup.h>

#include <functional>
#include <memory>
#include <string>

namespace gstsig {
namespace tls {

/* How the user sets the two options where the error is read, e.g.
 * { "signaller::ca-file=PATH", "signaller::insecure-tls=true" } or
 * { "--ca-file PATH", "--insecure" }. */
struct OptionNames {
  std::string ca_file;
  std::string insecure;
};

class ClientTls {
public:
  ClientTls () = default;

  /* Any thread. ca_file: "" = the system's CAs; else a PEM file of the
   * certificates (or CAs) to trust instead. insecure: accept any certificate
   * (a warning is logged once, through on_insecure if set, else g_warning).
   * False with *error (gstsig-tls-error-quark, tls-certificate.h: UNREADABLE
   * or NOT_PEM) naming the file. */
  bool configure (const std::string &ca_file, bool insecure, OptionNames names, GError **error);

  /* The session's "tls-database", when a CA file was given. */
  void apply (SoupSession *session) const;
  /* Call for every message (also the WebSocket upgrade): watches its
   * certificate check, and accepts any certificate when insecure. */
  void watch (SoupMessage *msg) const;
  /* The same for a TLS connection of our own, before its handshake; it also
   * gets the CA file's database. */
  void watch (GTlsConnection *conn) const;

  /* Why a request failed on TLS, for a user: the certificate's problems
   * (signed by an unknown authority, expired, for another name, ...) and the
   * option to use; "" when error (of the request on msg) is not about TLS.
   * url: what was asked. */
  std::string describe_failure (SoupMessage *msg, const GError *error,
      const std::string &url) const;
  /* The same for a connection given to watch (GTlsConnection *). */
  std::string describe_failure (GTlsConnection *conn, const GError *error,
      const std::string &url) const;

  /* Called (once) instead of g_warning when insecure accepts a certificate
   * that does not verify. Set before watch (). */
  void set_insecure_warning (std::function<void (const std::string &)> warn);

  bool insecure () const { return insecure_; }

  struct Shared; /* tls-client.cpp */

private:
  std::string describe (GObject *watched, GTlsCertificateFlags fallback, const GError *error,
      const std::string &url) const;

  std::shared_ptr<Shared> shared_; /* the database and the warn-once flag, shared with handlers */
  bool insecure_ = false;
  OptionNames names_;
};

/* Posts warning as a GST_MESSAGE_WARNING of the element that signaller (a
 * GstObject child of it) belongs to, so gst-launch-1.0 prints it, and logs it
 * on the signaller. For ClientTls::set_insecure_warning. */
void warn_through_parent (GstObject *signaller, const std::string &warning);

/* For applications: sets auth-token, ca-file and insecure-tls (those
 * non-empty / true) on an element's signaller. False, setting none, with
 * *missing the first of them the signaller lacks (manual:, whep-listen://...). */
bool set_signaller_access (GObject *signaller, const std::string &token,
    const std::string &ca_file, bool insecure, std::string *missing);

/* The certificate problems in flags, in words ("signed by an unknown
 * authority (self-signed?), for another name"); "" for none. */
std::string describe_certificate_flags (GTlsCertificateFlags flags);

} // namespace tls
} // namespace gstsig
