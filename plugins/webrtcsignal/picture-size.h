/* gst-webrtcsignal: the picture size an encoder works at, so that it can
 * keep to a bitrate target.
 *
 * An encoder has a floor: below some bitrate it cannot go at a given size
 * and frame rate, whatever its target says (libvpx at cpu-used=8 sends
 * about 1.6 Mbit/s of 1280x720@30 videotestsrc however low the target;
 * at 640x360, about 540 kbit/s). A target under that floor means a link
 * overrun and a frozen picture; a smaller picture moves the floor down.
 * So the size steps down a LADDER (of scales of the input's width and
 * height) when the encoder sends more than OVER_FACTOR x its target (not
 * counting keyframes made for new viewers: its owner's choice) for
 * OVER_MS (FAR_OVER_MS when it sends twice the target, CEILING_OVER_MS
 * when the target is video-bitrate), remembering the
 * least it sent meanwhile at the size it left (that size's floor, for this
 * content; a keyframe's burst is not one); and steps back up, at least
 * UP_WAIT_MS after the last change, as many sizes as fit at once: a size
 * fits when the target is UP_FACTOR x its floor, or is at its ceiling and
 * that floor would not be over it (a floor measured while overrunning a
 * link may be high: at the ceiling there is nothing better to wait for).
 * Content that compresses well never meets its floor, so a camera is only
 * scaled when it has to be. The last step keeps the smallest size and
 * halves the frame rate (FRAME_RATE_DIVISORS): the encoder then gets every
 * other frame, with twice the bits for each, where a quarter of the
 * picture still overruns the target (a 720p input below about 200
 * kbit/s). At the ceiling for RETRY_UP_MS, a size is tried again one step
 * up, so that no floor holds the picture small for good.
 *
 * A viewer's first target is met at once, before any overrun: start()
 * picks the largest size whose floor, known or guessed from the pixel rate
 * (PRIOR_BITS_PER_PIXEL at full size, less per pixel for smaller ones),
 * fits it, and takes the guesses for the sizes above as their floors until
 * they are measured. A 1280x720@30 picture started at 600 kbit/s thus
 * starts at 640x360 instead of overrunning a 1 Mbit/s link at 720p for the
 * second the overrun takes to show. The guess is for hard content (a test
 * pattern); content that needs less shows it at once: an encoder sending
 * under HELD_BACK_FACTOR x its target tells what its size needs at most,
 * and the guesses above scale down from that (a desktop at 1024x768 that
 * started at 512x384 is back at full size within about 2.5 s).
 *
 * Plain C++, no GStreamer; not thread-safe (its owner locks).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <array>
#include <cstdint>

namespace gstsig {

class PictureSizer {
public:
  /* Scales of the input's width and height, and of its frame rate (one
   * frame in FRAME_RATE_DIVISORS[step] is encoded). */
  static constexpr std::array<double, 6> LADDER = { 1.0, 0.75, 0.5, 0.375, 0.25, 0.25 };
  static constexpr std::array<unsigned, 6> FRAME_RATE_DIVISORS = { 1, 1, 1, 1, 1, 2 };
  /* The floor at half the frame rate against the full rate, same size:
   * guessed (half the frames, each of them larger), until measured. */
  static constexpr double HALF_RATE_FLOOR_FACTOR = 0.6;
  static constexpr double OVER_FACTOR = 1.1;
  static constexpr unsigned OVER_SLACK_KBPS = 20;
  static constexpr int64_t OVER_MS = 1000;
  /* Twice the target or more: sooner. */
  static constexpr double FAR_OVER_FACTOR = 2.0;
  static constexpr int64_t FAR_OVER_MS = 500;
  /* At the ceiling (video-bitrate, not a link's limit) an overrun loses
   * nothing but the user's bound, and one that short is seldom the
   * picture's: an encoder short of CPU (another process starting beside
   * it) sent 1.2-1.8 x its target for 1.5 s, and stepping down for that
   * held the picture small for RETRY_UP_MS. So there: this long. */
  static constexpr int64_t CEILING_OVER_MS = 3000;
  static constexpr double UP_FACTOR = 1.2;
  static constexpr int64_t UP_WAIT_MS = 4000;
  /* At the ceiling this long after the last change: one size up again,
   * whatever the floor found before. */
  static constexpr int64_t RETRY_UP_MS = 20000;
  /* Sending less than HELD_BACK_FACTOR x its target for HELD_BACK_MS: the
   * picture holds the bitrate back (a small picture has little to send),
   * and the target cannot grow to meet the floor above, since a viewer's
   * estimate stays within 1.5 x what it receives. One size up then, if
   * that size's floor would not overrun the target. */
  static constexpr double HELD_BACK_FACTOR = 0.7;
  static constexpr int64_t HELD_BACK_MS = 6000;
  /* After a change, the encoder restarts with a keyframe: its output says
   * nothing about the new size for this long. */
  static constexpr int64_t SETTLE_MS = 1500;
  /* The guessed floor at full size, in bits per pixel (width x height x
   * frames per second): libvpx's VP8 at cpu-used=8 needs about 0.06 for
   * 1280x720@30 smpte (1.7 Mbit/s); a camera's picture, about 0.04. A
   * smaller size needs more per pixel: its floor goes with its scale to
   * the power FLOOR_SCALE_EXPONENT (1.1 Mbit/s at 960x540, 0.6 at
   * 640x360, as measured). */
  static constexpr double PRIOR_BITS_PER_PIXEL = 0.06;
  static constexpr double FLOOR_SCALE_EXPONENT = 1.5;

  /* One measurement: the target and what the encoder sent since the last
   * one (kbit/s), at now_ms; ceiling_kbps is the most the target can be
   * (video-bitrate). Returns the step to use (index in LADDER). */
  unsigned update (unsigned target_kbps, double sent_kbps, unsigned ceiling_kbps, int64_t now_ms);
  unsigned step () const { return step_; }
  /* The first target of a sizer that has none yet (started () is false):
   * the size that fits it, from the floors measured or guessed for
   * pixels_per_s at full size. Returns the step. */
  unsigned start (unsigned target_kbps, double pixels_per_s, int64_t now_ms);
  bool started () const { return started_; }
  /* The floor guessed for step at full-size pixels_per_s (kbit/s). */
  static double prior_floor_kbps (unsigned step, double pixels_per_s);
  /* Back to full size, floors forgotten, not started (no viewer follows
   * a target). */
  void reset ();
  /* A new encoder of the same input (another tier): the floors other
   * found, and the largest size whose known floor fits target_kbps. */
  void start_from (const PictureSizer &other, unsigned target_kbps);

  /* The size of step for an input of width x height: even, at least 2. */
  static void scaled (unsigned step, int width, int height, int *out_width, int *out_height);
  /* One input frame in this many is encoded at step. */
  static unsigned frame_rate_divisor (unsigned step);

private:
  /* What step's floor is against full size and rate, for the same content. */
  static double floor_weight (unsigned step);

  unsigned step_ = 0;
  std::array<double, LADDER.size ()> floor_kbps_ = { -1, -1, -1, -1, -1, -1 };
  int64_t over_since_ms_ = -1;
  double over_min_kbps_ = 0; /* the least sent since over_since_ms_ */
  int64_t held_since_ms_ = -1; /* sending under HELD_BACK_FACTOR x target since */
  std::array<bool, LADDER.size ()> measured_ = {}; /* floor_kbps_ measured, not guessed */
  int64_t up_wait_ms_ = UP_WAIT_MS; /* after the last change; shorter after start () */
  /* After start (): SETTLE_MS, and one window more, before going up. */
  static constexpr int64_t START_UP_WAIT_MS = SETTLE_MS + 1000;
  int64_t last_change_ms_ = -1;
  bool started_ = false;
};

} // namespace gstsig
