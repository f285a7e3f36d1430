/* The fixture of the WHIP client tests (test-whip-client*.cpp).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "whip-test-server.h"

#include <gio/gio.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <string>

using gstsig::test::HttpExchange;
using gstsig::test::Pipeline;
using gstsig::test::WebrtcbinReceiver;
using gstsig::test::WhipTestServer;

namespace {

std::string
publisher (const std::string &uri)
{
  return "videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 ! "
         "webrtcsend name=s video-codecs=vp8 audio-codecs=opus uri=" + uri +
         " audiotestsrc is-live=true ! s.";
}

/* Sets a property of the signaller of the webrtcsend named "s" (see
 * Pipeline::set_signaller: not on the launch line). */
void
set_signaller (Pipeline &p, const char *name, const char *value)
{
  p.set_signaller ("s", name, value);
}

/* Serves a WHIP endpoint answered by a real webrtcbin, taking trickled
 * candidates. */
struct WhipSetup {
  WhipTestServer server;
  WebrtcbinReceiver receiver;

  WhipSetup ()
  {
    server.on_post = [this] (const std::string &offer) { return receiver.answer (offer); };
    server.on_patch = [this] (const std::string &type, const std::string &body) {
      if (type == "application/trickle-ice-sdpfrag")
        receiver.add_sdpfrag (body);
    };
  }
  bool wait_media (unsigned buffers = 100, int timeout_s = 20)
  {
    return server.wait_for ([&] { return receiver.buffers >= buffers; }, timeout_s);
  }
};

/* The GError the signaller itself reports (webrtcsend posts it as
 * RESOURCE/FAILED with the same text). */
struct SignallerErrors {
  std::mutex lock;
  GQuark domain = 0;
  int code = -1;
  std::string message;
  GObject *signaller = nullptr;

  explicit SignallerErrors (Pipeline &p)
  {
    GstElement *send = p.get ("s");
    g_object_get (send, "signaller", &signaller, nullptr);
    gst_object_unref (send);
    g_signal_connect (signaller, "error", G_CALLBACK (+[] (GObject *, GError *error,
                                                           SignallerErrors *self) {
      std::lock_guard<std::mutex> guard (self->lock);
      if (self->code == -1) {
        self->domain = error->domain;
        self->code = error->code;
        self->message = error->message;
      }
    }), this);
  }
  ~SignallerErrors ()
  {
    g_signal_handlers_disconnect_by_data (signaller, this);
    g_object_unref (signaller);
  }
};

std::string
error_text (GstMessage *msg)
{
  if (!msg)
    return "";
  GError *error = nullptr;
  gst_message_parse_error (msg, &error, nullptr);
  std::string text = error->message;
  EXPECT_EQ (error->domain, GST_RESOURCE_ERROR) << text;
  g_error_free (error);
  return text;
}

std::string
resource_url (Pipeline &p)
{
  GstElement *send = p.get ("s");
  GObject *signaller = nullptr;
  g_object_get (send, "signaller", &signaller, nullptr);
  gchar *url = nullptr;
  g_object_get (signaller, "resource-url", &url, nullptr);
  std::string out = url ? url : "";
  g_free (url);
  g_object_unref (signaller);
  gst_object_unref (send);
  return out;
}

int
count_lines (const std::string &text, const char *prefix)
{
  int n = 0;
  size_t pos = 0;
  while ((pos = text.find (prefix, pos)) != std::string::npos) {
    n++;
    pos++;
  }
  return n;
}

} // namespace
