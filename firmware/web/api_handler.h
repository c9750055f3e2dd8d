// Routes of the box's HTTP API. Issue-2 scope: the status document and a liveness
// probe; the full API (config, events, auth, metrics) grows here.
#pragma once
#include "config/config_model.h"
#include "core/health_model.h"
#include "core/scheduler.h"
#include "hal/clock.h"
#include "web/http_server.h"

namespace probebox {

class ApiHandler final : public HttpHandler {
 public:
  ApiHandler(const Config& config, const TextBuffer& config_text, const HealthModel& health, hal::Clock& clock)
      : config_(config), config_text_(config_text), health_(health), clock_(clock) {}
  void handle(const HttpRequest& request, HttpResponse& response) override;
  void set_started_at(int64_t mono_us) { started_at_ = mono_us; }
  void set_scheduler(const Scheduler* scheduler) { scheduler_ = scheduler; }

 private:
  const Config& config_;
  const TextBuffer& config_text_;
  const HealthModel& health_;
  hal::Clock& clock_;
  int64_t started_at_ = 0;
  const Scheduler* scheduler_ = nullptr;
};

}  // namespace probebox
