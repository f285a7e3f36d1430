/* gst-webrtc-send: cameras.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "send-camera.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <tuple>
#include <utility>
#include <unistd.h>
#include <vector>

namespace gstsig::send {

namespace {

/* The values an integer field allows; a range gives want clamped into it. */
std::vector<int>
int_choices (const GValue *v, int want)
{
  std::vector<int> out;
  if (!v)
    return out;
  if (G_VALUE_HOLDS_INT (v)) {
    out.push_back (g_value_get_int (v));
  } else if (GST_VALUE_HOLDS_INT_RANGE (v)) {
    int lo = gst_value_get_int_range_min (v), hi = gst_value_get_int_range_max (v);
    int step = MAX (1, gst_value_get_int_range_step (v));
    int x = CLAMP (want, lo, hi);
    out.push_back (lo + (x - lo) / step * step);
  } else if (GST_VALUE_HOLDS_LIST (v)) {
    for (guint i = 0; i < gst_value_list_get_size (v); i++) {
      auto sub = int_choices (gst_value_list_get_value (v, i), want);
      out.insert (out.end (), sub.begin (), sub.end ());
    }
  }
  return out;
}

struct Rate {
  int n = 0, d = 1;
  double value () const { return d ? (double) n / d : 0; }
};

void
rate_choices (const GValue *v, int want, std::vector<Rate> *out)
{
  if (!v)
    return;
  if (GST_VALUE_HOLDS_FRACTION (v)) {
    out->push_back ({ gst_value_get_fraction_numerator (v), gst_value_get_fraction_denominator (v) });
  } else if (GST_VALUE_HOLDS_FRACTION_RANGE (v)) {
    const GValue *lo = gst_value_get_fraction_range_min (v);
    const GValue *hi = gst_value_get_fraction_range_max (v);
    Rate l { gst_value_get_fraction_numerator (lo), gst_value_get_fraction_denominator (lo) };
    Rate h { gst_value_get_fraction_numerator (hi), gst_value_get_fraction_denominator (hi) };
    if (want >= l.value () && want <= h.value ())
      out->push_back ({ want, 1 });
    out->push_back (h);
  } else if (GST_VALUE_HOLDS_LIST (v)) {
    for (guint i = 0; i < gst_value_list_get_size (v); i++)
      rate_choices (gst_value_list_get_value (v, i), want, out);
  }
}

/* The lowest rate at or above want, else the highest. */
Rate
pick_rate (const std::vector<Rate> &rates, int want)
{
  Rate best;
  bool have_above = false;
  for (const Rate &r : rates) {
    if (r.n <= 0)
      continue;
    bool above = r.value () >= want - 0.01;
    if (above && (!have_above || r.value () < best.value ())) {
      best = r;
      have_above = true;
    } else if (!above && !have_above && r.value () > best.value ()) {
      best = r;
    }
  }
  return best;
}

} // namespace

CameraMode
choose_camera_mode (const GstCaps *device_caps, int want_width, int want_height, int want_fps)
{
  int ww = want_width > 0 ? want_width : 1280;
  int wh = want_height > 0 ? want_height : 720;
  int wf = want_fps > 0 ? want_fps : 30;
  CameraMode best;
  /* Lower is better: (misses the rate, size cost, MJPEG, -rate). */
  std::tuple<int, gint64, int, double> best_key;
  for (guint i = 0; device_caps && i < gst_caps_get_size (device_caps); i++) {
    const GstStructure *s = gst_caps_get_structure (device_caps, i);
    bool jpeg = gst_structure_has_name (s, "image/jpeg");
    if (!jpeg && !gst_structure_has_name (s, "video/x-raw"))
      continue;
    std::vector<Rate> rates;
    rate_choices (gst_structure_get_value (s, "framerate"), wf, &rates);
    Rate rate = pick_rate (rates, wf);
    if (rate.n <= 0)
      continue;
    for (int w : int_choices (gst_structure_get_value (s, "width"), ww)) {
      for (int h : int_choices (gst_structure_get_value (s, "height"), wh)) {
        if (w <= 0 || h <= 0)
          continue;
        gint64 area = (gint64) w * h, want_area = (gint64) ww * wh;
        gint64 size_cost = (w >= ww && h >= wh) ? area - want_area
                                                : G_GINT64_CONSTANT (1) << 40 | (want_area - MIN (area, want_area));
        auto key = std::make_tuple (rate.value () >= wf - 0.01 ? 0 : 1, size_cost, jpeg ? 1 : 0,
            -rate.value ());
        if (!best.found || key < best_key) {
          best_key = key;
          best.found = true;
          best.jpeg = jpeg;
          best.width = w;
          best.height = h;
          best.fps_n = rate.n;
          best.fps_d = rate.d;
        }
      }
    }
  }
  if (best.found) {
    g_autofree gchar *caps = g_strdup_printf ("%s,width=%d,height=%d,framerate=%d/%d",
        best.jpeg ? "image/jpeg" : "video/x-raw", best.width, best.height, best.fps_n,
        best.fps_d);
    best.caps = caps;
  }
  return best;
}

namespace {

/* Sets a lone v4l2src to READY and reads its caps; the error, if any. */
CameraProbe
open_device (const std::string &device, GstCaps **caps, std::string *message)
{
  GstElement *src = gst_element_factory_make ("v4l2src", nullptr);
  if (!src) {
    *message = "the v4l2src element is missing: install gstreamer1.0-plugins-good";
    return CameraProbe::Failed;
  }
  gst_object_ref_sink (src);
  GstBus *bus = gst_bus_new ();
  gst_element_set_bus (src, bus);
  g_object_set (src, "device", device.c_str (), nullptr);
  CameraProbe result = CameraProbe::Ok;
  if (gst_element_set_state (src, GST_STATE_READY) == GST_STATE_CHANGE_FAILURE) {
    result = CameraProbe::Failed;
    GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    if (msg) {
      GError *err = nullptr;
      gst_message_parse_error (msg, &err, nullptr);
      *message = err->message;
      if (err->domain == GST_RESOURCE_ERROR && err->code == GST_RESOURCE_ERROR_BUSY)
        result = CameraProbe::Busy;
      else if (err->domain == GST_RESOURCE_ERROR && err->code == GST_RESOURCE_ERROR_NOT_FOUND)
        result = CameraProbe::NoDevice;
      g_error_free (err);
      gst_message_unref (msg);
    }
  } else {
    GstPad *pad = gst_element_get_static_pad (src, "src");
    *caps = gst_pad_query_caps (pad, nullptr);
    gst_object_unref (pad);
  }
  gst_element_set_state (src, GST_STATE_NULL);
  gst_element_set_bus (src, nullptr);
  gst_object_unref (bus);
  gst_object_unref (src);
  return result;
}

/* Whether caps hold a mode we can send (raw or MJPEG). */
bool
captures_video (const GstCaps *caps)
{
  return choose_camera_mode (caps, 0, 0, 0).found;
}

} // namespace

void
probe_camera (const std::string &device, CameraInfo *info)
{
  if (!device.empty ()) {
    info->device = device;
    if (access (device.c_str (), F_OK) != 0) {
      info->result = CameraProbe::NoDevice;
      info->message = "no camera at " + device + " (it does not exist). Plug the camera in, or "
          "give another device: gst-device-monitor-1.0 Video/Source lists them";
      return;
    }
    if (access (device.c_str (), R_OK | W_OK) != 0) {
      info->result = errno == EACCES ? CameraProbe::NoDevice : CameraProbe::Failed;
      info->message = "cannot open the camera " + device + ": " + g_strerror (errno) +
          ". Add your user to the 'video' group (then log in again)";
      return;
    }
    std::string message;
    info->result = open_device (device, &info->caps, &message);
    if (info->result == CameraProbe::Ok && !captures_video (info->caps)) {
      info->result = CameraProbe::NoDevice;
      info->message = device + " is not a camera (it offers no raw or MJPEG video). Give "
          "another device: gst-device-monitor-1.0 Video/Source lists them";
    } else if (info->result == CameraProbe::Busy) {
      info->message = "the camera " + device + " is busy: another program is using it (" +
          message + "). Close that program (fuser " + device + " shows it) and try again";
    } else if (info->result != CameraProbe::Ok) {
      if (info->result == CameraProbe::Failed)
        info->result = CameraProbe::NoDevice;
      info->message = "cannot open the camera " + device + ": " + message +
          ". Check that it is plugged in and that you may use it (group 'video')";
    }
    return;
  }
  /* The first capture device. */
  std::string first_error;
  CameraProbe first_result = CameraProbe::NoDevice;
  bool any = false;
  for (int i = 0; i < 64; i++) {
    std::string path = "/dev/video" + std::to_string (i);
    if (access (path.c_str (), F_OK) != 0)
      continue;
    any = true;
    CameraInfo one;
    probe_camera (path, &one);
    if (one.result == CameraProbe::Ok) {
      info->result = CameraProbe::Ok;
      info->device = path;
      info->caps = std::exchange (one.caps, nullptr);
      return;
    }
    if (first_error.empty () || (one.result == CameraProbe::Busy && first_result != CameraProbe::Busy)) {
      first_error = one.message;
      first_result = one.result;
    }
  }
  info->result = any ? first_result : CameraProbe::NoDevice;
  info->message = any ? first_error
                      : "no camera found (no /dev/video* device). Plug a camera in, check "
                        "that its driver is loaded (ls /dev/video*), or send something else: "
                        "--screen, --file PATH, --test";
}

} // namespace gstsig::send
