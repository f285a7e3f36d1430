/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tls-certificate.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <ctime>
#include <memory>

namespace gstsig {
namespace tls {

GQuark
error_quark ()
{
  return g_quark_from_static_string ("gstsig-tls-error-quark");
}

namespace {

struct CrtDeleter {
  void operator() (gnutls_x509_crt_t c) const { gnutls_x509_crt_deinit (c); }
};
struct KeyDeleter {
  void operator() (gnutls_x509_privkey_t k) const { gnutls_x509_privkey_deinit (k); }
};
using UniqueCrt = std::unique_ptr<std::remove_pointer_t<gnutls_x509_crt_t>, CrtDeleter>;
using UniqueKey = std::unique_ptr<std::remove_pointer_t<gnutls_x509_privkey_t>, KeyDeleter>;

/* gnutls_datum_t that gnutls allocated. */
struct Datum {
  gnutls_datum_t d { nullptr, 0 };
  ~Datum () { gnutls_free (d.data); }
  std::string str () const { return std::string ((const char *) d.data, d.size); }
};

void
add_unique (std::vector<std::string> &list, const std::string &value)
{
  if (!value.empty () && std::find (list.begin (), list.end (), value) == list.end ())
    list.push_back (value);
}

bool
read_file (const std::string &path, const char *what, std::string *contents, GError **error)
{
  gchar *data = nullptr;
  gsize len = 0;
  GError *err = nullptr;
  if (!g_file_get_contents (path.c_str (), &data, &len, &err)) {
    g_set_error (error, error_quark (), ERROR_UNREADABLE, "Cannot read the %s file %s: %s", what,
        path.c_str (), err->message);
    g_error_free (err);
    return false;
  }
  contents->assign (data, len);
  g_free (data);
  return true;
}

gnutls_datum_t
datum_of (const std::string &s)
{
  return gnutls_datum_t { (unsigned char *) s.data (), (unsigned int) s.size () };
}

/* The SHA-1 key id gnutls computes from a public key; equal ids, same key. */
std::string
crt_key_id (gnutls_x509_crt_t crt)
{
  unsigned char buf[64];
  size_t size = sizeof (buf);
  if (gnutls_x509_crt_get_key_id (crt, 0, buf, &size) < 0)
    return {};
  return std::string ((const char *) buf, size);
}

std::string
privkey_key_id (gnutls_x509_privkey_t key)
{
  unsigned char buf[64];
  size_t size = sizeof (buf);
  if (gnutls_x509_privkey_get_key_id (key, 0, buf, &size) < 0)
    return {};
  return std::string ((const char *) buf, size);
}

GTlsCertificate *
certificate_from_pem (const std::string &cert_pem, const std::string &key_pem, const char *what,
    GError **error)
{
  std::string pem = cert_pem;
  if (!pem.empty () && pem.back () != '\n')
    pem += '\n';
  pem += key_pem;
  GError *err = nullptr;
  GTlsCertificate *cert = g_tls_certificate_new_from_pem (pem.c_str (), (gssize) pem.size (), &err);
  if (!cert) {
    g_set_error (error, error_quark (), ERROR_FAILED,
        "GIO did not take the certificate %s: %s (is glib-networking installed?)", what,
        err->message);
    g_error_free (err);
  }
  return cert;
}

bool
gnutls_failed (int ret, const char *step, GError **error)
{
  if (ret >= 0)
    return false;
  g_set_error (error, error_quark (), ERROR_FAILED,
      "Making a self-signed certificate failed: %s: %s", step, gnutls_strerror (ret));
  return true;
}

} // namespace

GTlsCertificate *
load_certificate (const std::string &cert_pem_file, const std::string &key_pem_file, GError **error)
{
  g_return_val_if_fail (error == nullptr || *error == nullptr, nullptr);
  const std::string &key_file = key_pem_file.empty () ? cert_pem_file : key_pem_file;

  std::string cert_pem, key_pem;
  if (!read_file (cert_pem_file, "certificate", &cert_pem, error))
    return nullptr;
  if (key_file == cert_pem_file)
    key_pem = cert_pem;
  else if (!read_file (key_file, "private key", &key_pem, error))
    return nullptr;

  UniqueCrt crt;
  {
    gnutls_x509_crt_t c = nullptr;
    gnutls_x509_crt_init (&c);
    crt.reset (c);
  }
  gnutls_datum_t cert_datum = datum_of (cert_pem);
  if (cert_pem.find ("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    g_set_error (error, error_quark (), ERROR_NOT_PEM,
        "The certificate file %s holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\"); "
        "convert a DER one with: openssl x509 -inform der -in FILE -out FILE.pem",
        cert_pem_file.c_str ());
    return nullptr;
  }
  int ret = gnutls_x509_crt_import (crt.get (), &cert_datum, GNUTLS_X509_FMT_PEM);
  if (ret < 0) {
    g_set_error (error, error_quark (), ERROR_NOT_PEM,
        "The certificate file %s holds a PEM certificate that does not parse: %s",
        cert_pem_file.c_str (), gnutls_strerror (ret));
    return nullptr;
  }

  if (key_pem.find ("PRIVATE KEY-----") == std::string::npos) {
    g_set_error (error, error_quark (), ERROR_NOT_PEM,
        "The private key file %s holds no PEM private key (\"-----BEGIN ... PRIVATE KEY-----\")%s",
        key_file.c_str (), key_pem_file.empty () ? "; give the key file too" : "");
    return nullptr;
  }
  UniqueKey key;
  {
    gnutls_x509_privkey_t k = nullptr;
    gnutls_x509_privkey_init (&k);
    key.reset (k);
  }
  gnutls_datum_t key_datum = datum_of (key_pem);
  ret = gnutls_x509_privkey_import2 (key.get (), &key_datum, GNUTLS_X509_FMT_PEM, nullptr, 0);
  if (ret < 0) {
    bool encrypted = key_pem.find ("ENCRYPTED") != std::string::npos;
    g_set_error (error, error_quark (), ERROR_NOT_PEM,
        "The private key file %s holds a %s that does not parse: %s%s", key_file.c_str (),
        encrypted ? "password-protected key" : "PEM private key", gnutls_strerror (ret),
        encrypted ? "; decrypt it first: openssl pkey -in FILE -out FILE.plain" : "");
    return nullptr;
  }

  std::string cert_id = crt_key_id (crt.get ());
  if (cert_id.empty () || cert_id != privkey_key_id (key.get ())) {
    g_set_error (error, error_quark (), ERROR_KEY_MISMATCH,
        "The private key in %s does not match the certificate in %s (the first certificate of "
        "the file must be the server's own)",
        key_file.c_str (), cert_pem_file.c_str ());
    return nullptr;
  }

  /* Only the key block goes to GIO when the key file is the certificate
   * file: the certificates are already in front of it. */
  std::string key_only;
  {
    Datum exported;
    ret = gnutls_x509_privkey_export2_pkcs8 (key.get (), GNUTLS_X509_FMT_PEM, nullptr,
        GNUTLS_PKCS_PLAIN, &exported.d);
    if (ret < 0) {
      g_set_error (error, error_quark (), ERROR_NOT_PEM,
          "The private key in %s cannot be re-exported: %s", key_file.c_str (),
          gnutls_strerror (ret));
      return nullptr;
    }
    key_only = exported.str ();
  }
  std::string what = "in " + cert_pem_file;
  return certificate_from_pem (cert_pem, key_only, what.c_str (), error);
}

GTlsCertificate *
make_self_signed (const std::vector<std::string> &dns_names,
    const std::vector<std::string> &ip_addresses, GError **error)
{
  g_return_val_if_fail (error == nullptr || *error == nullptr, nullptr);
  if (dns_names.empty () && ip_addresses.empty ()) {
    g_set_error_literal (error, error_quark (), ERROR_FAILED,
        "A self-signed certificate needs at least one name or address");
    return nullptr;
  }

  UniqueKey key;
  UniqueCrt crt;
  {
    gnutls_x509_privkey_t k = nullptr;
    gnutls_x509_crt_t c = nullptr;
    gnutls_x509_privkey_init (&k);
    gnutls_x509_crt_init (&c);
    key.reset (k);
    crt.reset (c);
  }
  if (gnutls_failed (gnutls_x509_privkey_generate (key.get (), GNUTLS_PK_ECDSA,
                         GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0),
          "generating a P-256 key", error))
    return nullptr;

  gnutls_x509_crt_t c = crt.get ();
  unsigned char serial[16];
  if (gnutls_failed (gnutls_rnd (GNUTLS_RND_NONCE, serial, sizeof (serial)), "random serial",
          error))
    return nullptr;
  serial[0] = (serial[0] & 0x7f) | 0x01; /* positive and of full length (RFC 5280 4.1.2.2) */

  const std::string &cn = dns_names.empty () ? ip_addresses.front () : dns_names.front ();
  time_t now = time (nullptr);
  if (gnutls_failed (gnutls_x509_crt_set_version (c, 3), "version", error) ||
      gnutls_failed (gnutls_x509_crt_set_serial (c, serial, sizeof (serial)), "serial", error) ||
      gnutls_failed (gnutls_x509_crt_set_activation_time (c, now - 3600), "not before", error) ||
      gnutls_failed (gnutls_x509_crt_set_expiration_time (c, now + 365 * 24 * 3600), "not after",
          error) ||
      gnutls_failed (gnutls_x509_crt_set_dn_by_oid (c, GNUTLS_OID_X520_COMMON_NAME, 0, cn.data (),
                         (unsigned int) cn.size ()),
          "common name", error) ||
      gnutls_failed (gnutls_x509_crt_set_key (c, key.get ()), "public key", error) ||
      gnutls_failed (gnutls_x509_crt_set_basic_constraints (c, 0, -1), "basic constraints",
          error) ||
      gnutls_failed (gnutls_x509_crt_set_key_usage (c, GNUTLS_KEY_DIGITAL_SIGNATURE), "key usage",
          error) ||
      gnutls_failed (gnutls_x509_crt_set_key_purpose_oid (c, GNUTLS_KP_TLS_WWW_SERVER, 0),
          "extended key usage", error))
    return nullptr;

  for (const auto &name : dns_names) {
    if (gnutls_failed (gnutls_x509_crt_set_subject_alt_name (c, GNUTLS_SAN_DNSNAME, name.data (),
                           (unsigned int) name.size (), GNUTLS_FSAN_APPEND),
            "DNS name", error))
      return nullptr;
  }
  for (const auto &address : ip_addresses) {
    unsigned char raw[16];
    unsigned int len = 0;
    if (inet_pton (AF_INET, address.c_str (), raw) == 1)
      len = 4;
    else if (inet_pton (AF_INET6, address.c_str (), raw) == 1)
      len = 16;
    if (!len) {
      g_set_error (error, error_quark (), ERROR_FAILED,
          "Making a self-signed certificate failed: \"%s\" is not an IPv4 or IPv6 address",
          address.c_str ());
      return nullptr;
    }
    if (gnutls_failed (gnutls_x509_crt_set_subject_alt_name (c, GNUTLS_SAN_IPADDRESS, raw, len,
                           GNUTLS_FSAN_APPEND),
            "IP address", error))
      return nullptr;
  }

  std::string id = crt_key_id (c);
  if (!id.empty () &&
      gnutls_failed (gnutls_x509_crt_set_subject_key_id (c, id.data (), id.size ()),
          "subject key id", error))
    return nullptr;
  if (gnutls_failed (gnutls_x509_crt_sign2 (c, c, key.get (), GNUTLS_DIG_SHA256, 0), "signing",
          error))
    return nullptr;

  Datum cert_pem, key_pem;
  if (gnutls_failed (gnutls_x509_crt_export2 (c, GNUTLS_X509_FMT_PEM, &cert_pem.d),
          "exporting the certificate", error) ||
      gnutls_failed (gnutls_x509_privkey_export2_pkcs8 (key.get (), GNUTLS_X509_FMT_PEM, nullptr,
                         GNUTLS_PKCS_PLAIN, &key_pem.d),
          "exporting the key", error))
    return nullptr;
  std::string what = "made for " + cn;
  return certificate_from_pem (cert_pem.str (), key_pem.str (), what.c_str (), error);
}

std::vector<std::string>
machine_names ()
{
  std::vector<std::string> names;
  std::string host = g_get_host_name ();
  if (host != "localhost" && !host.empty ()) {
    add_unique (names, host);
    if (host.find ('.') == std::string::npos)
      add_unique (names, host + ".local");
  }
  add_unique (names, "localhost");
  return names;
}

std::vector<std::string>
machine_addresses ()
{
  std::vector<std::string> addresses;
  struct ifaddrs *list = nullptr;
  if (getifaddrs (&list) == 0) {
    for (struct ifaddrs *ifa = list; ifa; ifa = ifa->ifa_next) {
      if (!ifa->ifa_addr || !(ifa->ifa_flags & IFF_UP) || (ifa->ifa_flags & IFF_LOOPBACK))
        continue;
      char text[INET6_ADDRSTRLEN] = "";
      if (ifa->ifa_addr->sa_family == AF_INET) {
        auto sin = (const struct sockaddr_in *) ifa->ifa_addr;
        inet_ntop (AF_INET, &sin->sin_addr, text, sizeof (text));
      } else if (ifa->ifa_addr->sa_family == AF_INET6) {
        auto sin6 = (const struct sockaddr_in6 *) ifa->ifa_addr;
        /* A link-local address needs a zone id in a URL, which no certificate can name. */
        if (IN6_IS_ADDR_LINKLOCAL (&sin6->sin6_addr))
          continue;
        inet_ntop (AF_INET6, &sin6->sin6_addr, text, sizeof (text));
      } else {
        continue;
      }
      add_unique (addresses, text);
    }
    freeifaddrs (list);
  }
  add_unique (addresses, "127.0.0.1");
  add_unique (addresses, "::1");
  return addresses;
}

std::string
sha256_fingerprint (GTlsCertificate *certificate)
{
  if (!certificate)
    return {};
  GByteArray *der = nullptr;
  g_object_get (certificate, "certificate", &der, nullptr);
  if (!der)
    return {};
  gchar *hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  g_byte_array_unref (der);
  std::string out;
  for (const gchar *p = hex; p[0] && p[1]; p += 2) {
    if (!out.empty ())
      out += ':';
    out += g_ascii_toupper (p[0]);
    out += g_ascii_toupper (p[1]);
  }
  g_free (hex);
  return out;
}

std::string
certificate_pem (GTlsCertificate *certificate)
{
  if (!certificate)
    return {};
  gchar *pem = nullptr;
  g_object_get (certificate, "certificate-pem", &pem, nullptr);
  std::string out = pem ? pem : "";
  g_free (pem);
  return out;
}

} // namespace tls
} // namespace gstsig
