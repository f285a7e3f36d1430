/* Shared main() for GTest executables: gst_init first, gst_deinit last so the
 * leaks tracer can report. */
#include <gst/gst.h>
#include <gtest/gtest.h>

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  ::testing::InitGoogleTest (&argc, argv);
  int result = RUN_ALL_TESTS ();
  gst_deinit ();
  return result;
}
