/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "whip-http-util.h"

#include <gst/gst.h>

namespace gstsig::whip {

namespace {

std::string
trim (const std::string &s)
{
  size_t begin = s.find_first_not_of (" \t\r\n");
  if (begin == std::string::npos)
    return "";
  size_t end = s.find_last_not_of (" \t\r\n");
  return s.substr (begin, end - begin + 1);
}

/* Splits on sep outside <...> and "..." (with \-escapes in quotes). */
std::vector<std::string>
split_outside_quotes (const std::string &text, char sep)
{
  std::vector<std::string> parts;
  std::string current;
  bool in_quotes = false, in_angle = false, escaped = false;
  for (char c : text) {
    if (escaped) {
      current += c;
      escaped = false;
      continue;
    }
    if (in_quotes && c == '\\') {
      current += c;
      escaped = true;
      continue;
    }
    if (!in_angle && c == '"')
      in_quotes = !in_quotes;
    else if (!in_quotes && c == '<')
      in_angle = true;
    else if (!in_quotes && c == '>')
      in_angle = false;
    if (c == sep && !in_quotes && !in_angle) {
      parts.push_back (current);
      current.clear ();
      continue;
    }
    current += c;
  }
  parts.push_back (current);
  return parts;
}

/* A parameter value: quoted-string (unescaped) or token. */
std::string
unquote (const std::string &value)
{
  std::string v = trim (value);
  if (v.size () < 2 || v.front () != '"' || v.back () != '"')
    return v;
  std::string out;
  for (size_t i = 1; i + 1 < v.size (); i++) {
    if (v[i] == '\\' && i + 2 < v.size ())
      i++;
    out += v[i];
  }
  return out;
}

bool
has_relation (const std::string &rel_value, const char *relation)
{
  /* rel may list several space-separated relation types. */
  gchar **types = g_strsplit_set (rel_value.c_str (), " \t", -1);
  bool found = false;
  for (gchar **t = types; *t && !found; t++)
    found = g_ascii_strcasecmp (*t, relation) == 0;
  g_strfreev (types);
  return found;
}

std::string
escape_userinfo (const std::string &s)
{
  gchar *escaped = g_uri_escape_string (s.c_str (), nullptr, FALSE);
  std::string out = escaped;
  g_free (escaped);
  return out;
}

} // namespace

std::vector<IceServer>
parse_ice_server_links (const std::string &header)
{
  std::vector<IceServer> servers;
  for (const std::string &link : split_outside_quotes (header, ',')) {
    std::vector<std::string> params = split_outside_quotes (link, ';');
    std::string target = trim (params[0]);
    if (target.size () < 2 || target.front () != '<' || target.back () != '>')
      continue;
    IceServer server;
    server.url = trim (target.substr (1, target.size () - 2));
    bool ice_server = false;
    for (size_t i = 1; i < params.size (); i++) {
      std::string param = trim (params[i]);
      size_t eq = param.find ('=');
      if (eq == std::string::npos)
        continue;
      std::string name = trim (param.substr (0, eq));
      std::string value = unquote (param.substr (eq + 1));
      if (g_ascii_strcasecmp (name.c_str (), "rel") == 0)
        ice_server = has_relation (value, "ice-server");
      else if (g_ascii_strcasecmp (name.c_str (), "username") == 0)
        server.username = value;
      else if (g_ascii_strcasecmp (name.c_str (), "credential") == 0)
        server.credential = value;
    }
    if (ice_server && !server.url.empty ())
      servers.push_back (server);
  }
  return servers;
}

std::string
webrtcbin_ice_uri (const IceServer &server, bool *is_turn)
{
  /* RFC 7064/7065 URIs: scheme ":" host [":" port] ["?transport=" udp|tcp]. */
  size_t colon = server.url.find (':');
  if (colon == std::string::npos)
    return "";
  std::string scheme = server.url.substr (0, colon);
  for (auto &c : scheme)
    c = g_ascii_tolower (c);
  std::string rest = server.url.substr (colon + 1);
  while (!rest.empty () && rest[0] == '/')
    rest.erase (0, 1); /* tolerate "stun://host" */
  if (rest.empty ())
    return "";
  std::string query;
  size_t q = rest.find ('?');
  if (q != std::string::npos) {
    query = rest.substr (q);
    rest = rest.substr (0, q);
  }
  bool has_port = rest.find (':') != std::string::npos &&
      (rest.front () != '[' || rest.find ("]:") != std::string::npos);
  if (scheme == "stun" || scheme == "stuns") {
    *is_turn = false;
    /* webrtcbin's stun-server takes stun:// only. */
    return "stun://" + rest + (has_port ? "" : (scheme == "stuns" ? ":5349" : ":3478"));
  }
  if (scheme == "turn" || scheme == "turns") {
    *is_turn = true;
    std::string userinfo;
    if (!server.username.empty () || !server.credential.empty ())
      userinfo = escape_userinfo (server.username) + ":" + escape_userinfo (server.credential) + "@";
    return scheme + "://" + userinfo + rest + (has_port ? "" : (scheme == "turns" ? ":5349" : ":3478"))
        + query;
  }
  return "";
}

std::string
http_url_of (const std::string &uri, const std::string &prefix, std::string *error)
{
  std::string usage = "use " + prefix + "http://HOST:PORT/PATH or " + prefix + "https://HOST/PATH";
  if (g_ascii_strncasecmp (uri.c_str (), prefix.c_str (), prefix.size ()) != 0) {
    *error = "'" + uri + "' is not a " + prefix.substr (0, prefix.size () - 1) + " URI; " + usage;
    return "";
  }
  std::string url = uri.substr (prefix.size ());
  GUri *parsed = g_uri_parse (url.c_str (), G_URI_FLAGS_NONE, nullptr);
  const char *scheme = parsed ? g_uri_get_scheme (parsed) : nullptr;
  const char *host = parsed ? g_uri_get_host (parsed) : nullptr;
  bool ok = scheme && host && *host &&
      (g_ascii_strcasecmp (scheme, "http") == 0 || g_ascii_strcasecmp (scheme, "https") == 0);
  if (parsed)
    g_uri_unref (parsed);
  if (!ok) {
    *error = "'" + uri + "' is not a usable URL; " + usage;
    return "";
  }
  return url;
}

std::string
resolve_location (const std::string &base, const std::string &location)
{
  GUri *base_uri = g_uri_parse (base.c_str (), G_URI_FLAGS_NONE, nullptr);
  if (!base_uri)
    return "";
  GUri *resolved = g_uri_parse_relative (base_uri, location.c_str (), G_URI_FLAGS_NONE, nullptr);
  g_uri_unref (base_uri);
  if (!resolved)
    return "";
  /* A server's Location such as "p:/.//" resolves to a URI with no host and
   * a path starting "//", which GLib 2.74 is critical about when writing it
   * (g_uri_resolve_relative did so); a location without a host is no
   * use here anyway. */
  std::string out;
  const char *host = g_uri_get_host (resolved);
  if (host && *host) {
    gchar *text = g_uri_to_string (resolved);
    out = text;
    g_free (text);
  }
  g_uri_unref (resolved);
  return out;
}

int
resource_error_for_status (unsigned status)
{
  switch (status) {
    case 401:
    case 403:
      return GST_RESOURCE_ERROR_NOT_AUTHORIZED;
    case 404:
    case 410:
      return GST_RESOURCE_ERROR_NOT_FOUND;
    case 409:
    case 429:
    case 503:
      return GST_RESOURCE_ERROR_BUSY;
    default:
      return GST_RESOURCE_ERROR_FAILED;
  }
}

std::string
body_snippet (const std::string &body, size_t max_chars)
{
  std::string out;
  bool space = false;
  for (unsigned char c : body) {
    if (c < 0x20 || c == 0x7f || c == ' ') {
      space = !out.empty ();
      continue;
    }
    /* The space before c counts too: at most max_chars, then "...". */
    if (out.size () + (space ? 2 : 1) > max_chars) {
      out += "...";
      break;
    }
    if (space)
      out += ' ';
    space = false;
    out += (char) c;
  }
  return out;
}

std::string
status_text (unsigned status, const std::string &reason, const std::string &body)
{
  std::string text = std::to_string (status);
  if (!reason.empty ())
    text += " " + reason;
  std::string snippet = body_snippet (body);
  if (!snippet.empty () && snippet != reason)
    text += ": " + snippet;
  return text;
}

std::string
advice_for_status (unsigned status)
{
  switch (status) {
    case 401:
    case 403:
      return "Check the bearer token (signaller::auth-token=...).";
    case 404:
    case 410:
      return "Check the URL: the server has no endpoint or session there.";
    case 409:
    case 429:
    case 503:
      return "The server is busy or already has a session there; try again later.";
    case 415:
      return "The server does not take application/sdp here; check the URL.";
    default:
      if (status >= 500)
        return "The server failed; see its log.";
      return "";
  }
}

} // namespace gstsig::whip
