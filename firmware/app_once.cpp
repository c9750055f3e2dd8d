// The result of a --once run, the same on every board: the status document of the
// finished cycle and the exit code it stands for.
#include "app.h"

#include "web/report_document.h"
#include "web/status_document.h"

namespace probebox {

int App::write_once_result(TextBuffer& out, hal::MonoMicros now) const {
  write_status_document(out, config_, health_, DocumentKind::kOnce, now);
  if (out.overflowed()) return kExitUnknown;
  return static_cast<int>(document_overall(health_, DocumentKind::kOnce));
}

void App::write_once_report(TextBuffer& out, hal::MonoMicros now) const {
  write_report_document(out, config_, health_, board_.clock.wall(), now);
}

}  // namespace probebox
