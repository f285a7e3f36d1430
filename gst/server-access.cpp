/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "server-access.h"

#include "guarded-listener.h"
#include "secure-random.h"

#include <gio/gio.h>

namespace gstsig {

namespace {

/* Compares token with every entry, each in constant time, and does not
 * stop at the first match. */
bool
listed (const std::vector<std::string> &tokens, const std::string &token)
{
  bool found = false;
  for (const auto &t : tokens)
    found |= constant_time_equal (t, token);
  return found;
}

/* The host part of "host", "host:port", "[v6]:port". */
std::string
host_only (const std::string &host_port)
{
  if (!host_port.empty () && host_port.front () == '[') {
    size_t close = host_port.find (']');
    return close == std::string::npos ? host_port : host_port.substr (1, close - 1);
  }
  size_t colon = host_port.find (':');
  if (colon != std::string::npos && host_port.find (':', colon + 1) == std::string::npos)
    return host_port.substr (0, colon);
  return host_port;
}

bool
is_loopback_origin_host (const std::string &host)
{
  return is_loopback_host (host) || g_str_has_suffix (host.c_str (), ".localhost");
}

std::string
trimmed (const std::string &text)
{
  size_t start = text.find_first_not_of (" \t\r");
  if (start == std::string::npos)
    return "";
  size_t end = text.find_last_not_of (" \t\r");
  return text.substr (start, end - start + 1);
}

} // namespace

Access
access_for (const AccessConfig &config, const std::string &token, bool from_loopback)
{
  bool open = config.tokens.empty () && config.producer_tokens.empty ()
      && config.viewer_tokens.empty ();
  if (open)
    return Access { true, true, from_loopback };
  if (token.empty ())
    return Access {};
  if (listed (config.tokens, token))
    return Access { true, true, true };
  if (listed (config.producer_tokens, token))
    return Access { true, true, false };
  if (listed (config.viewer_tokens, token))
    return Access { true, false, false };
  return Access {};
}

bool
origin_allowed (const AccessConfig &config, const std::string &origin, const std::string &host)
{
  if (origin.empty ())
    return true; /* not a browser: the token (if any) decides */
  for (const auto &allowed : config.allowed_origins) {
    if (allowed == "*" || g_ascii_strcasecmp (allowed.c_str (), origin.c_str ()) == 0)
      return true;
  }
  /* "null" (file:, sandboxed frames) and anything unparsable: refused. */
  g_autoptr (GUri) uri = g_uri_parse (origin.c_str (), G_URI_FLAGS_NONE, nullptr);
  if (!uri || !g_uri_get_host (uri))
    return false;
  std::string origin_host = g_uri_get_host (uri);
  if (is_loopback_origin_host (origin_host))
    return true;
  /* Same origin: the page came from the host:port the browser connects to. */
  int port = g_uri_get_port (uri);
  std::string scheme = g_uri_get_scheme (uri);
  if (port < 0)
    port = scheme == "https" ? 443 : 80;
  std::string origin_host_port = origin_host.find (':') != std::string::npos
      ? "[" + origin_host + "]:" + std::to_string (port)
      : origin_host + ":" + std::to_string (port);
  std::string request_host = host;
  if (host_only (request_host) == request_host)
    request_host += ":" + std::to_string (scheme == "https" ? 443 : 80);
  return g_ascii_strcasecmp (origin_host_port.c_str (), request_host.c_str ()) == 0;
}

bool
read_token_file (const std::string &path, AccessConfig *config, std::string *error)
{
  gchar *contents = nullptr;
  GError *gerror = nullptr;
  if (!g_file_get_contents (path.c_str (), &contents, nullptr, &gerror)) {
    *error = "cannot read the token file: " + std::string (gerror->message);
    g_error_free (gerror);
    return false;
  }
  gchar **lines = g_strsplit (contents, "\n", -1);
  g_free (contents);
  bool ok = true;
  unsigned number = 0;
  for (gchar **l = lines; *l && ok; l++) {
    number++;
    std::string line = trimmed (*l);
    if (line.empty () || line[0] == '#')
      continue;
    std::vector<std::string> *into = &config->tokens;
    size_t space = line.find_first_of (" \t");
    if (space != std::string::npos) {
      std::string kind = line.substr (0, space);
      line = trimmed (line.substr (space));
      if (kind == "producer")
        into = &config->producer_tokens;
      else if (kind == "viewer")
        into = &config->viewer_tokens;
      else
        ok = false;
    }
    if (!ok || line.empty () || line.find_first_of (" \t") != std::string::npos) {
      *error = path + ":" + std::to_string (number)
          + ": expected TOKEN, \"producer TOKEN\" or \"viewer TOKEN\"";
      ok = false;
      break;
    }
    into->push_back (line);
  }
  g_strfreev (lines);
  return ok;
}

} // namespace gstsig
