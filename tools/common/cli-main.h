/* main () of the command-line tools (gst-webrtc-send, gst-webrtc-record)
 * up to App::run ().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "config.h"

#include <gst/gst.h>

#include <csignal>
#include <string>
#include <utility>

namespace gstsig::cli {

/* How main () talks about the tool before it runs. */
struct ToolInfo {
  const char *name;             /* "gst-webrtc-send": the message prefix and --version */
  const char *option_error;     /* after "NAME: " and before a bad option's message */
  int exit_ok;                  /* after --version */
  int exit_bad_options;
};

/* main () of a tool: GLib logs on stderr, gst_init, parse (argv), --version,
 * SIGPIPE ignored (a write fails with EPIPE instead), before_run () if any,
 * then App (options).run () and gst_deinit. Returns the exit code. */
template <typename App, typename Options>
int
run_main (const ToolInfo &tool, int argc, char **argv,
    bool (*parse) (int *, char ***, Options *, std::string *), void (*before_run) () = nullptr)
{
  g_log_writer_default_set_use_stderr (TRUE);
  gst_init (&argc, &argv);

  Options opts;
  std::string error;
  if (!parse (&argc, &argv, &opts, &error)) {
    g_printerr ("%s: %s%s (see --help)\n", tool.name, tool.option_error, error.c_str ());
    return tool.exit_bad_options;
  }
  if (opts.version) {
    g_print ("%s %s\n", tool.name, VERSION);
    return tool.exit_ok;
  }
  signal (SIGPIPE, SIG_IGN);
  if (before_run)
    before_run ();

  int code;
  {
    App app (std::move (opts));
    code = app.run ();
  }
  gst_deinit ();
  return code;
}

} // namespace gstsig::cli
