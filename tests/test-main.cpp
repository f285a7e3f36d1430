/* Shared main() for GTest executables: gst_init first, gst_deinit last so the
 * leaks tracer (GST_TRACERS=leaks) can report; a reported leak fails the run. */
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <cstring>

namespace {

bool leaks_detected = false;

void
watch_for_leaks (const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data)
{
  if (message && strstr (message, "Leaks detected"))
    leaks_detected = true;
  g_log_default_handler (domain, level, message, data);
}

} // namespace

#ifdef GST_SIG_TSAN_GLIB_SYNC
/* tests/sanitizers/tsan-glib-sync.c: fails unless its wrappers are the ones
 * GLib's and GStreamer's callers reach. */
extern "C" void gst_sig_tsan_glib_sync_check (void);
#endif

int
main (int argc, char **argv)
{
#ifdef GST_SIG_TSAN_GLIB_SYNC
  gst_sig_tsan_glib_sync_check ();
#endif
  gst_init (&argc, &argv);
  /* The leaks tracer warns without a log domain. */
  g_log_set_handler (nullptr, G_LOG_LEVEL_WARNING, watch_for_leaks, nullptr);
  ::testing::InitGoogleTest (&argc, argv);
  int result = RUN_ALL_TESTS ();
  gst_deinit ();
  if (leaks_detected) {
    g_printerr ("FAIL: the leaks tracer found GStreamer objects still alive "
                "(run with GST_DEBUG=GST_TRACER:7 to list them)\n");
    return result ? result : 1;
  }
  return result;
}
