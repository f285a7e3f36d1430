/* gst/tls-certificate: loading PEM files (and each way that fails), self-signed
 * certificates for given names, the machine's names and addresses, fingerprints. */
#include "tls-certificate.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace gstsig;

namespace {

class TempDir {
public:
  TempDir () { path_ = g_dir_make_tmp ("tls-cert-XXXXXX", nullptr); }
  ~TempDir ()
  {
    for (const auto &f : files_)
      g_unlink (f.c_str ());
    g_rmdir (path_);
    g_free (path_);
  }
  std::string write (const char *name, const std::string &contents)
  {
    std::string file = std::string (path_) + "/" + name;
    EXPECT_TRUE (g_file_set_contents (file.c_str (), contents.data (), contents.size (), nullptr));
    files_.push_back (file);
    return file;
  }
  std::string missing (const char *name) const { return std::string (path_) + "/" + name; }

private:
  gchar *path_;
  std::vector<std::string> files_;
};

std::string
string_property (GObject *object, const char *name)
{
  gchar *value = nullptr;
  g_object_get (object, name, &value, nullptr);
  std::string out = value ? value : "";
  g_free (value);
  return out;
}

std::vector<std::string>
dns_names_of (GTlsCertificate *cert)
{
  GPtrArray *names = nullptr;
  g_object_get (cert, "dns-names", &names, nullptr);
  std::vector<std::string> out;
  for (guint i = 0; names && i < names->len; i++) {
    auto bytes = (GBytes *) g_ptr_array_index (names, i);
    gsize len = 0;
    auto data = (const char *) g_bytes_get_data (bytes, &len);
    out.emplace_back (data, len);
  }
  if (names)
    g_ptr_array_unref (names);
  return out;
}

std::vector<std::string>
ip_addresses_of (GTlsCertificate *cert)
{
  GPtrArray *addresses = nullptr;
  g_object_get (cert, "ip-addresses", &addresses, nullptr);
  std::vector<std::string> out;
  for (guint i = 0; addresses && i < addresses->len; i++) {
    gchar *text = g_inet_address_to_string ((GInetAddress *) g_ptr_array_index (addresses, i));
    out.emplace_back (text);
    g_free (text);
  }
  if (addresses)
    g_ptr_array_unref (addresses);
  return out;
}

bool
contains (const std::vector<std::string> &list, const std::string &value)
{
  return std::find (list.begin (), list.end (), value) != list.end ();
}

GTlsCertificate *
make_or_fail (const std::vector<std::string> &names, const std::vector<std::string> &addresses)
{
  GError *error = nullptr;
  GTlsCertificate *cert = tls::make_self_signed (names, addresses, &error);
  EXPECT_NE (cert, nullptr) << (error ? error->message : "");
  g_clear_error (&error);
  return cert;
}

} // namespace

TEST (TlsCertificate, SelfSignedHasEveryNameAndAddress)
{
  g_autoptr (GTlsCertificate)
      cert = make_or_fail ({ "cam.example", "localhost" }, { "127.0.0.1", "::1", "192.168.1.20" });
  ASSERT_NE (cert, nullptr);
  auto names = dns_names_of (cert);
  EXPECT_TRUE (contains (names, "cam.example"));
  EXPECT_TRUE (contains (names, "localhost"));
  auto addresses = ip_addresses_of (cert);
  EXPECT_TRUE (contains (addresses, "127.0.0.1"));
  EXPECT_TRUE (contains (addresses, "::1"));
  EXPECT_TRUE (contains (addresses, "192.168.1.20"));

  EXPECT_NE (string_property (G_OBJECT (cert), "private-key-pem"), "");
  EXPECT_NE (string_property (G_OBJECT (cert), "subject-name").find ("CN=cam.example"),
      std::string::npos);

  /* Valid now, from an hour ago, for about a year. */
  GDateTime *not_before = nullptr, *not_after = nullptr;
  g_object_get (cert, "not-valid-before", &not_before, "not-valid-after", &not_after, nullptr);
  ASSERT_NE (not_before, nullptr);
  ASSERT_NE (not_after, nullptr);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  GTimeSpan before = g_date_time_difference (now, not_before) / G_TIME_SPAN_SECOND;
  GTimeSpan after = g_date_time_difference (not_after, now) / G_TIME_SPAN_SECOND;
  EXPECT_GE (before, 3500);
  EXPECT_LE (before, 3700);
  EXPECT_GE (after, 364 * 24 * 3600);
  EXPECT_LE (after, 366 * 24 * 3600);
  g_date_time_unref (not_before);
  g_date_time_unref (not_after);
}

TEST (TlsCertificate, SelfSignedIsTrustedThroughItsOwnPem)
{
  g_autoptr (GTlsCertificate) cert = make_or_fail ({ "localhost" }, { "127.0.0.1" });
  ASSERT_NE (cert, nullptr);
  TempDir dir;
  std::string ca = dir.write ("ca.pem", tls::certificate_pem (cert));
  g_autoptr (GTlsDatabase) db = g_tls_file_database_new (ca.c_str (), nullptr);
  ASSERT_NE (db, nullptr);
  g_autoptr (GSocketConnectable) identity = g_network_address_new ("localhost", 443);
  GTlsCertificateFlags flags = g_tls_database_verify_chain (db, cert,
      G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER, identity, nullptr, G_TLS_DATABASE_VERIFY_NONE,
      nullptr, nullptr);
  EXPECT_EQ (flags, 0u);

  /* Another certificate is not trusted by it. */
  g_autoptr (GTlsCertificate) other = make_or_fail ({ "localhost" }, {});
  flags = g_tls_database_verify_chain (db, other, G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER,
      identity, nullptr, G_TLS_DATABASE_VERIFY_NONE, nullptr, nullptr);
  EXPECT_TRUE (flags & G_TLS_CERTIFICATE_UNKNOWN_CA);
}

TEST (TlsCertificate, SerialsAndFingerprintsDiffer)
{
  g_autoptr (GTlsCertificate) a = make_or_fail ({ "localhost" }, {});
  g_autoptr (GTlsCertificate) b = make_or_fail ({ "localhost" }, {});
  ASSERT_TRUE (a && b);
  std::string fa = tls::sha256_fingerprint (a);
  /* 32 bytes: 64 hex digits and 31 colons. */
  ASSERT_EQ (fa.size (), 95u);
  for (size_t i = 0; i < fa.size (); i++) {
    if (i % 3 == 2)
      EXPECT_EQ (fa[i], ':');
    else
      EXPECT_TRUE (g_ascii_isxdigit (fa[i]) && !g_ascii_islower (fa[i])) << fa;
  }
  EXPECT_NE (fa, tls::sha256_fingerprint (b));
  EXPECT_EQ (tls::sha256_fingerprint (nullptr), "");
}

TEST (TlsCertificate, SelfSignedRefusesABadAddress)
{
  GError *error = nullptr;
  EXPECT_EQ (tls::make_self_signed ({ "localhost" }, { "not-an-address" }, &error), nullptr);
  ASSERT_NE (error, nullptr);
  EXPECT_EQ (error->domain, tls::error_quark ());
  EXPECT_EQ (error->code, tls::ERROR_FAILED);
  g_clear_error (&error);
  EXPECT_EQ (tls::make_self_signed ({}, {}, &error), nullptr);
  EXPECT_NE (error, nullptr);
  g_clear_error (&error);
}

TEST (TlsCertificate, LoadsWhatItWrote)
{
  g_autoptr (GTlsCertificate) made = make_or_fail ({ "localhost" }, { "127.0.0.1" });
  ASSERT_NE (made, nullptr);
  TempDir dir;
  std::string cert_pem = tls::certificate_pem (made);
  std::string key_pem = string_property (G_OBJECT (made), "private-key-pem");
  std::string cert_file = dir.write ("cert.pem", cert_pem);
  std::string key_file = dir.write ("key.pem", key_pem);

  GError *error = nullptr;
  g_autoptr (GTlsCertificate) loaded = tls::load_certificate (cert_file, key_file, &error);
  ASSERT_NE (loaded, nullptr) << error->message;
  EXPECT_EQ (tls::sha256_fingerprint (loaded), tls::sha256_fingerprint (made));
  EXPECT_NE (string_property (G_OBJECT (loaded), "private-key-pem"), "");

  /* Certificate and key in one file. */
  std::string both = dir.write ("both.pem", cert_pem + key_pem);
  g_autoptr (GTlsCertificate) from_one = tls::load_certificate (both, "", &error);
  ASSERT_NE (from_one, nullptr) << error->message;
  EXPECT_EQ (tls::sha256_fingerprint (from_one), tls::sha256_fingerprint (made));
}

TEST (TlsCertificate, LoadErrorsNameTheFileAndTheProblem)
{
  g_autoptr (GTlsCertificate) made = make_or_fail ({ "localhost" }, {});
  g_autoptr (GTlsCertificate) other = make_or_fail ({ "localhost" }, {});
  ASSERT_TRUE (made && other);
  TempDir dir;
  std::string cert_file = dir.write ("cert.pem", tls::certificate_pem (made));
  std::string key_file = dir.write ("key.pem",
      string_property (G_OBJECT (made), "private-key-pem"));
  std::string other_key = dir.write ("other-key.pem",
      string_property (G_OBJECT (other), "private-key-pem"));
  std::string der = dir.write ("cert.der", std::string ("\x30\x82\x01\x0a\x02\x82", 6));
  std::string garbled = dir.write ("garbled.pem",
      "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n");
  std::string missing = dir.missing ("nope.pem");

  struct Case {
    std::string cert, key;
    int code;
    std::string named; /* the file the message must name */
  } cases[] = {
    { missing, key_file, tls::ERROR_UNREADABLE, missing },
    { cert_file, missing, tls::ERROR_UNREADABLE, missing },
    { der, key_file, tls::ERROR_NOT_PEM, der },
    { garbled, key_file, tls::ERROR_NOT_PEM, garbled },
    { cert_file, cert_file, tls::ERROR_NOT_PEM, cert_file }, /* no key in it */
    { cert_file, "", tls::ERROR_NOT_PEM, cert_file },
    { cert_file, other_key, tls::ERROR_KEY_MISMATCH, other_key },
  };
  for (const auto &c : cases) {
    GError *error = nullptr;
    GTlsCertificate *cert = tls::load_certificate (c.cert, c.key, &error);
    EXPECT_EQ (cert, nullptr) << c.cert << " " << c.key;
    if (cert)
      g_object_unref (cert);
    ASSERT_NE (error, nullptr);
    EXPECT_EQ (error->domain, tls::error_quark ()) << error->message;
    EXPECT_EQ (error->code, c.code) << error->message;
    EXPECT_NE (std::string (error->message).find (c.named), std::string::npos) << error->message;
    g_clear_error (&error);
  }
}

TEST (TlsCertificate, MachineNamesAndAddresses)
{
  auto names = tls::machine_names ();
  EXPECT_TRUE (contains (names, "localhost"));
  std::string host = g_get_host_name ();
  if (host != "localhost") {
    EXPECT_EQ (names.front (), host);
    if (host.find ('.') == std::string::npos) {
      EXPECT_TRUE (contains (names, host + ".local"));
    }
  }
  auto addresses = tls::machine_addresses ();
  EXPECT_TRUE (contains (addresses, "127.0.0.1"));
  EXPECT_TRUE (contains (addresses, "::1"));
  for (const auto &a : addresses) {
    EXPECT_EQ (std::count (addresses.begin (), addresses.end (), a), 1) << a;
    g_autoptr (GInetAddress) parsed = g_inet_address_new_from_string (a.c_str ());
    EXPECT_NE (parsed, nullptr) << a;
    if (parsed && a != "::1" && a != "127.0.0.1") {
      EXPECT_FALSE (g_inet_address_get_is_loopback (parsed)) << a;
    }
  }

  /* And a certificate for all of them takes them all. */
  g_autoptr (GTlsCertificate) cert = make_or_fail (names, addresses);
  ASSERT_NE (cert, nullptr);
  auto in_cert = ip_addresses_of (cert);
  for (const auto &a : addresses)
    EXPECT_TRUE (contains (in_cert, a)) << a;
  auto names_in_cert = dns_names_of (cert);
  for (const auto &n : names)
    EXPECT_TRUE (contains (names_in_cert, n)) << n;
}
