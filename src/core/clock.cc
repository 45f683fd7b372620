#include "core/clock.h"

namespace tessera {

SystemClock& SystemClock::Get() {
  static SystemClock clock;
  return clock;
}

}  // namespace tessera
