/* Test helpers: counting what reaches a fakesink, and checking an
 * element error's domain and code.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <string>

namespace gstsig::test {

/* Counts the buffers reaching a fakesink and keeps its caps. */
struct SinkWatch {
  std::atomic<int> buffers { 0 };
  std::string caps;
  std::mutex lock;

  void attach (GstElement *sink)
  {
    g_object_set (sink, "signal-handoffs", TRUE, nullptr);
    g_signal_connect (sink, "handoff", G_CALLBACK (+[] (GstElement *, GstBuffer *, GstPad *pad,
                                                       SinkWatch *self) {
      if (self->buffers++ == 0) {
        GstCaps *caps = gst_pad_get_current_caps (pad);
        std::lock_guard<std::mutex> guard (self->lock);
        gchar *text = caps ? gst_caps_to_string (caps) : g_strdup ("");
        self->caps = text;
        g_free (text);
        if (caps)
          gst_caps_unref (caps);
      }
    }), this);
  }
  bool wait_buffers (int n, int timeout_s = 15)
  {
    for (int i = 0; i < timeout_s * 20 && buffers < n; i++)
      g_usleep (50 * 1000);
    return buffers >= n;
  }
  std::string media_type ()
  {
    std::lock_guard<std::mutex> guard (lock);
    return caps.substr (0, caps.find (','));
  }
};

inline void
expect_error (GstMessage *msg, GQuark domain, gint code)
{
  ASSERT_NE (msg, nullptr) << "no error";
  ASSERT_EQ (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  GError *error = nullptr;
  gst_message_parse_error (msg, &error, nullptr);
  EXPECT_EQ (error->domain, domain) << error->message;
  EXPECT_EQ (error->code, code) << error->message;
  EXPECT_GT (strlen (error->message), 20u) << "a message a user can act on";
  g_error_free (error);
}

} // namespace gstsig::test
