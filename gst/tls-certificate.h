/* gst-webrtcsignal: server certificates: loaded from PEM files, or made
 * self-signed for this machine's names and addresses.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include <string>
#include <vector>

namespace gstsig {
namespace tls {

/* The domain of the errors below (GError), "gstsig-tls-error-quark". */
GQuark error_quark ();

enum Error {
  /* A file is missing or cannot be read (the message has the system's reason). */
  ERROR_UNREADABLE,
  /* A file holds no PEM certificate / no PEM private key, or one that does not parse
   * (an encrypted key is reported so). */
  ERROR_NOT_PEM,
  /* The private key is not the certificate's key. */
  ERROR_KEY_MISMATCH,
  /* Making a self-signed certificate failed, or GIO has no TLS backend (glib-networking). */
  ERROR_FAILED,
};

/* Loads a server certificate (with any intermediates after it in the same
 * file) and its private key, both PEM. An empty @key_pem_file takes the key
 * from @cert_pem_file. The error names the file and the problem: missing or
 * unreadable, not PEM, or a key that does not match the certificate.
 * Returns: (transfer full) (nullable): the certificate, with its key. */
GTlsCertificate *load_certificate (const std::string &cert_pem_file,
    const std::string &key_pem_file, GError **error);

/* Makes a self-signed ECDSA P-256 certificate for a TLS server: every
 * @dns_names and @ip_addresses (textual IPv4/IPv6) in the subject alternative
 * name, the first DNS name (else the first address) as common name, valid from
 * an hour ago for a year, a random serial from gnutls' cryptographic generator.
 * An address that does not parse is an error.
 * Returns: (transfer full) (nullable): the certificate, with its key. */
GTlsCertificate *make_self_signed (const std::vector<std::string> &dns_names,
    const std::vector<std::string> &ip_addresses, GError **error);

/* The names this machine answers to: its host name, host name + ".local" (mDNS)
 * when the name has no dot, and "localhost". No duplicates. */
std::vector<std::string> machine_names ();

/* The addresses of every interface that is up, except loopback and IPv6
 * link-local ones, then "127.0.0.1" and "::1". No duplicates. */
std::vector<std::string> machine_addresses ();

/* SHA-256 of the certificate's DER as upper-case hex pairs joined by ':'
 * ("AB:CD:..."), as browsers show it; "" for NULL. */
std::string sha256_fingerprint (GTlsCertificate *certificate);

/* The certificate in PEM (the leaf only, no key), e.g. to write a CA file
 * for clients; "" for NULL. */
std::string certificate_pem (GTlsCertificate *certificate);

} // namespace tls
} // namespace gstsig
