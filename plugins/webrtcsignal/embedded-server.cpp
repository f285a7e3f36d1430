/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "embedded-server.h"

#include "secure-random.h"
#include "tls-certificate.h"

#include <glib/gstdio.h>

#include <gio/gio.h>

#include <cstdlib>

#include <unistd.h>

namespace gstsig {

bool
parse_serve_address (const std::string &serve, std::string *host, unsigned *port)
{
  auto colon = serve.rfind (':');
  if (colon == std::string::npos || colon == 0)
    return false;
  *host = serve.substr (0, colon);
  if (host->size () > 2 && host->front () == '[' && host->back () == ']')
    *host = host->substr (1, host->size () - 2);
  char *end = nullptr;
  std::string port_str = serve.substr (colon + 1);
  unsigned long value = strtoul (port_str.c_str (), &end, 10);
  if (port_str.empty () || *end || value > 65535)
    return false;
  *port = (unsigned) value;
  return true;
}

bool
EmbeddedServer::start (GstElement *element, const ServeSettings &settings)
{
  const std::string &serve = settings.address;
  std::string host;
  unsigned port = 0;
  if (!parse_serve_address (serve, &host, &port)) {
    GST_ELEMENT_ERROR (element, RESOURCE, SETTINGS,
        ("serve='%s' is not an address; use ADDR:PORT, e.g. serve=127.0.0.1:8443.",
            serve.c_str ()), (nullptr));
    return false;
  }
  ServerConfig config;
  config.host = host;
  config.port = port;
  config.cert_file = settings.cert_file;
  config.key_file = settings.key_file;
  config.self_signed = settings.self_signed;
  config.allowed_origins = settings.allowed_origins;
  if (!settings.token.empty ()) {
    own_token_ = secure_random_uuid ();
    config.tokens = { settings.token, own_token_ };
  }
  thread_ = std::make_unique<ContextThread> ("webrtcsend-serve");
  GError *error = nullptr;
  bool ok = false;
  std::string &fingerprint = fingerprint_;
  std::string pem;
  thread_->invoke_sync ([&] () {
    server_ = std::make_unique<Server> (config);
    ok = server_->start (&error);
    if (ok) {
      port = server_->port ();
      tls_ = server_->uses_tls ();
      fingerprint = server_->certificate_fingerprint ();
      if (settings.self_signed)
        pem = server_->certificate_pem ();
    } else {
      server_.reset ();
    }
  });
  if (!ok) {
    GST_ELEMENT_ERROR_WITH_DETAILS (element, RESOURCE, OPEN_READ_WRITE,
        ("Could not serve on %s: %s. %s", serve.c_str (),
            error ? error->message : "unknown error",
            error && error->domain == G_IO_ERROR && error->code == G_IO_ERROR_ADDRESS_IN_USE
                ? "Pick another address or port with serve=ADDR:PORT."
                : "Check serve=ADDR:PORT and the serve-cert/serve-key files."),
        ("server start failed"),
        ("error-domain", G_TYPE_STRING, error ? g_quark_to_string (error->domain) : "",
            "error-code", G_TYPE_INT, error ? error->code : 0, nullptr));
    g_clear_error (&error);
    thread_.reset ();
    return false;
  }
  if (!pem.empty ()) {
    gchar *path = nullptr;
    int fd = g_file_open_tmp ("webrtcsend-serve-XXXXXX.pem", &path, nullptr);
    if (fd >= 0) {
      close (fd);
      if (g_file_set_contents (path, pem.c_str (), (gssize) pem.size (), nullptr))
        own_ca_file_ = path;
    }
    g_free (path);
  }
  bool any = host == "0.0.0.0" || host == "::" || host.empty ();
  std::string url_host = any ? "127.0.0.1"
      : host.find (':') != std::string::npos ? "[" + host + "]" : host;
  url_ = std::string (tls_ ? "https://" : "http://") + url_host + ":" + std::to_string (port) + "/";
  ws_uri_ = std::string (tls_ ? "wss://" : "ws://") + url_host + ":" + std::to_string (port) + "/";
  if (tls_)
    GST_ELEMENT_INFO (element, RESOURCE, OPEN_READ_WRITE,
        ("Serving the web app and signalling on %s (certificate SHA-256 %s)", url_.c_str (),
            fingerprint.c_str ()),
        ("webrtcsend: serving %s", url_.c_str ()));
  else
    GST_ELEMENT_INFO (element, RESOURCE, OPEN_READ_WRITE,
        ("Serving the web app and signalling on %s", url_.c_str ()),
        ("webrtcsend: serving %s", url_.c_str ()));
  return true;
}

void
EmbeddedServer::stop ()
{
  if (!thread_)
    return;
  thread_->invoke_sync ([this] () {
    if (server_)
      server_->stop ();
    server_.reset ();
  });
  thread_.reset ();
  url_.clear ();
  ws_uri_.clear ();
  own_token_.clear ();
  if (!own_ca_file_.empty ())
    g_unlink (own_ca_file_.c_str ());
  own_ca_file_.clear ();
  fingerprint_.clear ();
  tls_ = false;
}

} // namespace gstsig
