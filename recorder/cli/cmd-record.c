/* placeholder: implemented in its own change */
#include "cli.h"

static int
run (int argc, char **argv)
{
  return cli_failf (EMOCAP_EXIT_REFUSED, "'record' is not built yet");
}

const EmocapCommand emocap_cmd_record = {
  .name = "record",
  .summary = "(not built yet)",
  .run = run,
};
