/* Command-line options the tools share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "cli-options.h"

namespace gstsig::cli {

bool
parse_command_line (const CommandHelp &help, std::vector<GOptionEntry> entries, int *argc,
    char ***argv, CommonOptions *common, std::string *error)
{
  gboolean json = FALSE, quiet = FALSE, status = FALSE, version = FALSE;
  entries.push_back ({ "json", 'j', 0, G_OPTION_ARG_NONE, &json, help.json, nullptr });
  entries.push_back ({ "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
      "No status line and no messages but errors", nullptr });
  entries.push_back ({ "status", 0, 0, G_OPTION_ARG_NONE, &status, help.status, nullptr });
  entries.push_back ({ "version", 0, 0, G_OPTION_ARG_NONE, &version,
      "Print the version and exit", nullptr });
  entries.push_back ({ nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr });

  g_autoptr (GOptionContext) ctx = g_option_context_new (help.parameter);
  g_option_context_set_summary (ctx, help.summary);
  g_option_context_set_description (ctx, help.description);
  g_option_context_add_main_entries (ctx, entries.data (), nullptr);
  g_autoptr (GError) gerror = nullptr;
  if (!g_option_context_parse (ctx, argc, argv, &gerror)) {
    *error = gerror->message;
    return false;
  }
  common->json = json;
  common->quiet = quiet;
  common->status = status;
  common->version = version;
  if (version)
    return true;
  if (*argc > 1) {
    *error = std::string ("unexpected argument '") + (*argv)[1] + "'";
    return false;
  }
  return true;
}

} // namespace gstsig::cli
