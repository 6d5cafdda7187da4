// The executor's request handling, free of I/O: models kept by hash, plans compiled and measured.
#pragma once

#include <list>
#include <memory>
#include <string>

#include "dsx_executor.pb.h"
#include "graph/compiled_plan.h"
#include "graph/model.h"

namespace dsx {

struct LoadedModel {
    std::string hash;
    std::unique_ptr<Model> model;
    std::unique_ptr<QuantTable> quant;  // calibrated on first use by an INT8 plan
};

class Session {
public:
    struct Options {
        bool emulated = false;
        size_t max_models = 8;  // least recently used models beyond this are dropped
        // A model needing more (weights + every activation as float32) is refused at LoadModel, before any allocation
        // its shapes imply: --max-model-mb.
        size_t max_model_bytes = size_t{4096} << 20;
        // Most warm-up runs, and most timed runs, one Measure may ask for.
        int max_runs = 100000;
    };
    explicit Session(Options options) : options_(options) {}

    wire::HelloReply hello() const;
    wire::LoadModelReply load(const wire::LoadModel& request);
    wire::MeasureReply measure(const wire::Measure& request);
    wire::DesignSpaceReply describe_space(const wire::DescribeSpace& request);
    // The model held under `hash`; throws ModelNotLoaded.
    LoadedModel& model(const std::string& hash);

private:
    const QuantTable& calibration(LoadedModel& m);

    Options options_;
    std::list<LoadedModel> models_;  // most recently used first
};

// Seeded uniform [-1, 1) data for an input the caller did not give.
std::vector<float> seeded_input(const std::vector<int64_t>& dims, uint64_t seed);
// The executor process's resident-set high-water mark, and its reset (Linux clear_refs; best effort).
int64_t peak_rss_bytes();
void reset_peak_rss();

}  // namespace dsx
