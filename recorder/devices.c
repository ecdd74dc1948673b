/* placeholder: implemented in its own change */
#include <emocap/error.h>
