/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "http-util.h"

#include <gio/gio.h>
#include <libsoup/soup.h>

#include <cstring>

namespace gstsig::http {

const char *const SDP_TYPE = "application/sdp";
const char *const SDPFRAG_TYPE = "application/trickle-ice-sdpfrag";

Reply
Reply::error (unsigned status, const std::string &reason)
{
  Reply r;
  r.status = status;
  r.body = reason + "\n";
  return r;
}

std::string
request_header (SoupServerMessage *msg, const char *name)
{
  const char *value =
      soup_message_headers_get_one (soup_server_message_get_request_headers (msg), name);
  return value ? value : "";
}

std::string
request_media_type (SoupServerMessage *msg)
{
  const char *type = soup_message_headers_get_content_type (
      soup_server_message_get_request_headers (msg), nullptr);
  return type ? type : "";
}

std::string
random_uuid ()
{
  gchar *uuid = g_uuid_string_random ();
  std::string text = uuid;
  g_free (uuid);
  return text;
}

bool
bearer_authorized (SoupServerMessage *msg, const std::string &expected)
{
  if (expected.empty ())
    return true;
  std::string auth = request_header (msg, "Authorization");
  const char *prefix = "Bearer ";
  if (g_ascii_strncasecmp (auth.c_str (), prefix, strlen (prefix)) != 0)
    return false;
  std::string token = auth.substr (strlen (prefix));
  while (!token.empty () && token.front () == ' ')
    token.erase (0, 1);
  if (token.size () != expected.size ())
    return false;
  /* Compares every byte, whatever matches first. */
  unsigned diff = 0;
  for (size_t i = 0; i < token.size (); i++)
    diff |= (unsigned char) token[i] ^ (unsigned char) expected[i];
  return diff == 0;
}

void
send_reply (SoupServerMessage *msg, const Reply &reply)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  soup_message_headers_replace (headers, "Access-Control-Allow-Origin", "*");
  soup_message_headers_replace (headers, "Access-Control-Expose-Headers",
      "Location, ETag, Link, Accept-Patch, Accept-Post, Retry-After, WWW-Authenticate");
  for (const auto &h : reply.headers)
    soup_message_headers_append (headers, h.first.c_str (), h.second.c_str ());
  if (!reply.body.empty ()) {
    std::string type =
        reply.content_type.empty () ? "text/plain; charset=utf-8" : reply.content_type;
    soup_server_message_set_response (msg, type.c_str (), SOUP_MEMORY_COPY, reply.body.data (),
        reply.body.size ());
  }
  soup_server_message_set_status (msg, reply.status, nullptr);
}

SoupServer *
listen (const char *server_header, const std::string &host, unsigned port,
    const std::string &path,
    void (*callback) (SoupServer *, SoupServerMessage *, const char *, GHashTable *, gpointer),
    gpointer user_data, unsigned *bound_port, std::string *url, std::string *reason)
{
  SoupServer *server = soup_server_new ("server-header", server_header, nullptr);
  soup_server_add_handler (server, nullptr, callback, user_data, nullptr);
  GSocketAddress *socket_address = g_inet_socket_address_new_from_string (host.c_str (), port);
  GError *gerror = nullptr;
  bool ok = socket_address &&
      soup_server_listen (server, socket_address, (SoupServerListenOptions) 0, &gerror);
  g_clear_object (&socket_address);
  if (!ok) {
    *reason = gerror ? gerror->message : "";
    g_clear_error (&gerror);
    g_object_unref (server);
    return nullptr;
  }
  GSList *uris = soup_server_get_uris (server);
  *bound_port = uris ? (unsigned) g_uri_get_port ((GUri *) uris->data) : port;
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  bool any = host == "0.0.0.0" || host == "::";
  std::string shown = any ? "127.0.0.1"
      : host.find (':') != std::string::npos ? "[" + host + "]"
                                             : host;
  *url = "http://" + shown + ":" + std::to_string (*bound_port) + path;
  return server;
}

Route
route (SoupServerMessage *msg, const std::string &method, const std::string &path,
    const std::string &base, const std::string &protocol, std::string *id)
{
  std::string prefix = base == "/" ? "/" : base + "/";
  bool at_endpoint = path == base;
  bool at_resource = !at_endpoint && path.size () > prefix.size () &&
      path.compare (0, prefix.size (), prefix) == 0 &&
      path.find ('/', prefix.size ()) == std::string::npos;
  *id = at_resource ? path.substr (prefix.size ()) : "";
  if (!at_endpoint && !at_resource) {
    send_reply (msg, Reply::error (404, "Nothing here: the " + protocol + " endpoint is " +
        base + "."));
    return Route::Answered;
  }
  std::string allow = at_endpoint ? "POST, OPTIONS" : "PATCH, DELETE, OPTIONS";
  if (method == "OPTIONS") {
    Reply reply;
    reply.status = 204;
    reply.headers = { { "Allow", allow }, { "Access-Control-Allow-Methods", allow },
      { "Access-Control-Allow-Headers", "Authorization, Content-Type, If-Match" },
      { "Access-Control-Max-Age", "86400" },
      { at_endpoint ? "Accept-Post" : "Accept-Patch", at_endpoint ? SDP_TYPE : SDPFRAG_TYPE } };
    send_reply (msg, reply);
    return Route::Answered;
  }
  bool allowed = at_endpoint ? method == "POST" : (method == "PATCH" || method == "DELETE");
  if (!allowed) {
    Reply reply = Reply::error (405, "Method " + method + " is not allowed here: " +
        (at_endpoint ? "POST an SDP offer to " + base + "."
                     : std::string ("a session resource takes PATCH and DELETE.")));
    reply.headers.emplace_back ("Allow", allow);
    send_reply (msg, reply);
    return Route::Answered;
  }
  return at_endpoint ? Route::Endpoint : Route::Resource;
}

} // namespace gstsig::http
