/* placeholder: implemented in its own change */
#include "cli.h"

static int
run (int argc, char **argv)
{
  return cli_failf (EMOCAP_EXIT_REFUSED, "'verify' is not built yet");
}

const EmocapCommand emocap_cmd_verify = {
  .name = "verify",
  .summary = "(not built yet)",
  .run = run,
};
