/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tls-client.h"

#include "tls-certificate.h"

#include <atomic>
#include <cstring>
#include <utility>

namespace gstsig {
namespace tls {

struct ClientTls::Shared {
  GTlsDatabase *database = nullptr; /* the CA file's, or nullptr for the system's */
  bool insecure = false;
  std::atomic<bool> warned { false };
  std::function<void (const std::string &)> warn;
  ~Shared () { g_clear_object (&database); }
};

namespace {

/* The flags libsoup offered in "accept-certificate", kept on the message
 * (+ PRESENT, so that 0 reads as "not seen"). */
constexpr guint PRESENT = 1u << 30;

GQuark
flags_quark ()
{
  return g_quark_from_static_string ("gstsig-tls-peer-errors");
}

/* What a warning names: the URI of a message, the server a TLS connection
 * was made for. */
gchar *
watched_target (GObject *watched)
{
  if (SOUP_IS_MESSAGE (watched)) {
    GUri *uri = soup_message_get_uri (SOUP_MESSAGE (watched));
    return uri ? g_uri_to_string (uri) : g_strdup ("?");
  }
  if (G_IS_TLS_CLIENT_CONNECTION (watched)) {
    GSocketConnectable *identity =
        g_tls_client_connection_get_server_identity (G_TLS_CLIENT_CONNECTION (watched));
    if (identity)
      return g_socket_connectable_to_string (identity);
  }
  return g_strdup ("?");
}

/* "accept-certificate" of a SoupMessage or a GTlsConnection (the same
 * signature). */
gboolean
on_accept_certificate (GObject *watched, GTlsCertificate *, GTlsCertificateFlags errors,
    gpointer data)
{
  auto shared = *static_cast<std::shared_ptr<ClientTls::Shared> *> (data);
  g_object_set_qdata (watched, flags_quark (), GUINT_TO_POINTER ((guint) errors | PRESENT));
  if (!shared->insecure)
    return FALSE;
  if (!shared->warned.exchange (true)) {
    gchar *text = watched_target (watched);
    std::string warning = std::string ("Insecure TLS: accepting the certificate of ") + text +
        " although it does not verify (" + describe_certificate_flags (errors) +
        "); anyone on the path can read and change this connection. Use a CA file for "
        "anything but tests. (Logged once.)";
    g_free (text);
    if (shared->warn)
      shared->warn (warning);
    else
      g_warning ("%s", warning.c_str ());
  }
  return TRUE;
}

void
free_shared_ref (gpointer data, GClosure *)
{
  delete static_cast<std::shared_ptr<ClientTls::Shared> *> (data);
}

std::string
certificate_advice (GTlsCertificateFlags flags, const OptionNames &names, bool have_ca_file)
{
  std::string trust = "set " + names.ca_file +
      " to a PEM file holding the server's "
      "certificate (or the CA that signed it), or " +
      names.insecure + " for a self-signed test server";
  if (flags & G_TLS_CERTIFICATE_UNKNOWN_CA) {
    if (have_ca_file)
      return "The certificate is signed by none of the certificates in the CA file: check that "
             "it holds the server's certificate or its CA (" +
          names.ca_file + "), or use " + names.insecure + " for a test server";
    return "To trust it, " + trust;
  }
  if (flags & (G_TLS_CERTIFICATE_EXPIRED | G_TLS_CERTIFICATE_NOT_ACTIVATED))
    return "Check the clocks of both machines and renew the server's certificate; " +
        names.insecure + " accepts it anyway (tests only)";
  if (flags & G_TLS_CERTIFICATE_BAD_IDENTITY)
    return "Connect with a name or address the certificate holds (see its subject alternative "
           "names), or use " +
        names.insecure + " (tests only)";
  return "To trust it anyway, " + trust;
}

} // namespace

std::string
describe_certificate_flags (GTlsCertificateFlags flags)
{
  static const struct {
    GTlsCertificateFlags flag;
    const char *text;
  } words[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, "it is signed by an unknown authority (self-signed?)" },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, "it is for another name than the one connected to" },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, "it is not valid yet" },
    { G_TLS_CERTIFICATE_EXPIRED, "it has expired" },
    { G_TLS_CERTIFICATE_REVOKED, "it has been revoked" },
    { G_TLS_CERTIFICATE_INSECURE, "it uses an insecure algorithm" },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, "it could not be checked" },
  };
  std::string out;
  for (const auto &w : words) {
    if (flags & w.flag)
      out += (out.empty () ? "" : "; ") + std::string (w.text);
  }
  return out;
}

void
warn_through_parent (GstObject *signaller, const std::string &warning)
{
  GST_WARNING_OBJECT (signaller, "%s", warning.c_str ());
  GstObject *parent = gst_object_get_parent (signaller);
  if (parent && GST_IS_ELEMENT (parent))
    gst_element_message_full (GST_ELEMENT (parent), GST_MESSAGE_WARNING, GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_SETTINGS, g_strdup (warning.c_str ()),
        g_strdup ("insecure TLS: the certificate is not checked"), __FILE__, GST_FUNCTION,
        __LINE__);
  if (parent)
    gst_object_unref (parent);
}

bool
set_signaller_access (GObject *signaller, const std::string &token, const std::string &ca_file,
    bool insecure, std::string *missing)
{
  const struct {
    const char *property;
    bool set;
  } wanted[] = {
    { "auth-token", !token.empty () },
    { "ca-file", !ca_file.empty () },
    { "insecure-tls", insecure },
  };
  for (const auto &w : wanted) {
    if (w.set &&
        (!signaller || !g_object_class_find_property (G_OBJECT_GET_CLASS (signaller), w.property))) {
      *missing = w.property;
      return false;
    }
  }
  if (!token.empty ())
    g_object_set (signaller, "auth-token", token.c_str (), nullptr);
  if (!ca_file.empty ())
    g_object_set (signaller, "ca-file", ca_file.c_str (), nullptr);
  if (insecure)
    g_object_set (signaller, "insecure-tls", TRUE, nullptr);
  return true;
}

bool
ClientTls::configure (const std::string &ca_file, bool insecure, OptionNames names, GError **error)
{
  auto shared = std::make_shared<Shared> ();
  shared->insecure = insecure;
  if (shared_)
    shared->warn = shared_->warn;
  if (!ca_file.empty ()) {
    gchar *contents = nullptr;
    GError *err = nullptr;
    if (!g_file_get_contents (ca_file.c_str (), &contents, nullptr, &err)) {
      g_set_error (error, error_quark (), ERROR_UNREADABLE, "Cannot read the CA file %s (%s): %s",
          ca_file.c_str (), names.ca_file.c_str (), err->message);
      g_error_free (err);
      return false;
    }
    bool pem = strstr (contents, "-----BEGIN CERTIFICATE-----") != nullptr;
    g_free (contents);
    if (!pem) {
      g_set_error (error, error_quark (), ERROR_NOT_PEM,
          "The CA file %s (%s) holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")",
          ca_file.c_str (), names.ca_file.c_str ());
      return false;
    }
    shared->database = g_tls_file_database_new (ca_file.c_str (), &err);
    if (!shared->database) {
      g_set_error (error, error_quark (), ERROR_NOT_PEM, "Cannot use the CA file %s (%s): %s",
          ca_file.c_str (), names.ca_file.c_str (), err->message);
      g_error_free (err);
      return false;
    }
  }
  shared_ = std::move (shared);
  insecure_ = insecure;
  names_ = std::move (names);
  return true;
}

void
ClientTls::set_insecure_warning (std::function<void (const std::string &)> warn)
{
  if (!shared_)
    shared_ = std::make_shared<Shared> ();
  shared_->warn = std::move (warn);
}

void
ClientTls::apply (SoupSession *session) const
{
  if (shared_ && shared_->database)
    soup_session_set_tls_database (session, shared_->database);
}

void
ClientTls::watch (SoupMessage *msg) const
{
  auto shared = shared_ ? shared_ : std::make_shared<Shared> ();
  g_signal_connect_data (msg, "accept-certificate", G_CALLBACK (on_accept_certificate),
      new std::shared_ptr<Shared> (std::move (shared)), free_shared_ref, (GConnectFlags) 0);
}

void
ClientTls::watch (GTlsConnection *conn) const
{
  auto shared = shared_ ? shared_ : std::make_shared<Shared> ();
  if (shared->database)
    g_tls_connection_set_database (conn, shared->database);
  g_signal_connect_data (conn, "accept-certificate", G_CALLBACK (on_accept_certificate),
      new std::shared_ptr<Shared> (std::move (shared)), free_shared_ref, (GConnectFlags) 0);
}

std::string
ClientTls::describe_failure (SoupMessage *msg, const GError *error, const std::string &url) const
{
  auto flags = (GTlsCertificateFlags) 0;
  if (msg && !g_object_get_qdata (G_OBJECT (msg), flags_quark ())
      && soup_message_get_tls_peer_certificate (msg))
    flags = soup_message_get_tls_peer_certificate_errors (msg);
  return describe (msg ? G_OBJECT (msg) : nullptr, flags, error, url);
}

std::string
ClientTls::describe_failure (GTlsConnection *conn, const GError *error,
    const std::string &url) const
{
  return describe (conn ? G_OBJECT (conn) : nullptr, (GTlsCertificateFlags) 0, error, url);
}

std::string
ClientTls::describe (GObject *watched, GTlsCertificateFlags fallback, const GError *error,
    const std::string &url) const
{
  guint seen = watched ? GPOINTER_TO_UINT (g_object_get_qdata (watched, flags_quark ())) : 0;
  auto flags = seen ? (GTlsCertificateFlags) (seen & ~PRESENT) : fallback;
  bool have_ca_file = shared_ && shared_->database;
  if (flags) {
    return "The TLS certificate of " + url + " was refused: " + describe_certificate_flags (flags) +
        ". " + certificate_advice (flags, names_, have_ca_file) + ".";
  }
  if (!error || error->domain != G_TLS_ERROR)
    return "";
  if (error->code == G_TLS_ERROR_BAD_CERTIFICATE)
    return "The TLS certificate of " + url + " was refused (" + error->message + "). " +
        certificate_advice (G_TLS_CERTIFICATE_GENERIC_ERROR, names_, have_ca_file) + ".";
  if (error->code == G_TLS_ERROR_NOT_TLS)
    return "The server at " + url +
        " does not speak TLS: is it a plain ws:// or http:// "
        "server?";
  return "The TLS handshake with " + url + " failed: " + error->message;
}

} // namespace tls
} // namespace gstsig
