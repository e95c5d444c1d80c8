#include "reporters/speedscope/speedscope_reporter.h"

#include <cstdint>

#include "core/atomic_file.h"
#include "core/registry.h"
#include "reporters/common/stack_order.h"
#include "reporters/summary_json/json_writer.h"

namespace tidemark {
namespace {

// A name for the profile: the program and its arguments, or the mode.
std::string ProfileName(const Profile& profile) {
  std::string name = "peak memory";
  if (!profile.command.empty()) {
    name += ':';
    for (const std::string& arg : profile.command) {
      name += ' ';
      name += arg;
    }
  }
  if (!profile.mode.empty()) name += " (" + profile.mode + " mode)";
  return name;
}

void AppendFrame(const ProfileFrame* frame, const char* missing_name,
                 std::string* out) {
  out->append("{\"name\":");
  if (frame == nullptr) {
    AppendJsonString(missing_name, out);
    out->push_back('}');
    return;
  }
  AppendJsonString(frame->function.empty() ? kUnknownFrame : frame->function,
                   out);
  if (!frame->file.empty()) {
    out->append(",\"file\":");
    AppendJsonString(frame->file, out);
  }
  if (frame->line > 0) {
    out->append(",\"line\":");
    out->append(std::to_string(frame->line));
  }
  out->push_back('}');
}

}  // namespace

std::string RenderSpeedscope(const Profile& profile) {
  const std::vector<const ProfileStack*> stacks = StacksByBytes(profile);
  // Frames in order of first use; -1 = not used yet. Two more slots: an
  // out-of-range index and the empty stack.
  const size_t unknown_slot = profile.frames.size();
  const size_t no_stack_slot = unknown_slot + 1;
  std::vector<int64_t> index_of(profile.frames.size() + 2, -1);
  std::string frames;
  int64_t frame_count = 0;
  auto frame_index = [&](size_t slot) {
    if (index_of[slot] < 0) {
      index_of[slot] = frame_count++;
      if (!frames.empty()) frames.push_back(',');
      if (slot == no_stack_slot) {
        AppendFrame(nullptr, kNoPythonStack, &frames);
      } else if (slot == unknown_slot) {
        AppendFrame(nullptr, kUnknownFrame, &frames);
      } else {
        AppendFrame(&profile.frames[slot], nullptr, &frames);
      }
    }
    return index_of[slot];
  };

  std::string samples;
  std::string weights;
  int64_t total = 0;
  for (const ProfileStack* stack : stacks) {
    if (!samples.empty()) {
      samples.push_back(',');
      weights.push_back(',');
    }
    samples.push_back('[');
    if (stack->frames.empty()) {
      samples.append(std::to_string(frame_index(no_stack_slot)));
    }
    // Stored innermost first; speedscope wants the root first.
    for (auto it = stack->frames.rbegin(); it != stack->frames.rend(); ++it) {
      if (it != stack->frames.rbegin()) samples.push_back(',');
      const size_t slot = FrameAt(profile, *it) == nullptr
                              ? unknown_slot
                              : static_cast<size_t>(*it);
      samples.append(std::to_string(frame_index(slot)));
    }
    samples.push_back(']');
    weights.append(std::to_string(stack->bytes));
    total += stack->bytes;
  }

  std::string out;
  out.reserve(frames.size() + samples.size() + weights.size() + 512);
  out.append(
      "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\","
      "\"exporter\":\"tidemark\",\"name\":");
  AppendJsonString(ProfileName(profile), &out);
  out.append(",\"activeProfileIndex\":0,\"shared\":{\"frames\":[");
  out.append(frames);
  out.append("]},\"profiles\":[{\"type\":\"sampled\",\"name\":");
  AppendJsonString(ProfileName(profile), &out);
  out.append(",\"unit\":\"bytes\",\"startValue\":0,\"endValue\":");
  out.append(std::to_string(total));
  out.append(",\"samples\":[");
  out.append(samples);
  out.append("],\"weights\":[");
  out.append(weights);
  out.append("]}]}\n");
  return out;
}

bool SpeedscopeReporter::Write(const Profile& profile,
                               const ReportDirectory& directory,
                               std::string* error) {
  return WriteFileAtomically(directory, kSpeedscopeFileName,
                             RenderSpeedscope(profile), error);
}

TIDEMARK_REGISTER_REPORTER("speedscope", SpeedscopeReporter)

}  // namespace tidemark
