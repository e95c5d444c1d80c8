#include "reporters/common/code_origin.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tidemark {
namespace {

TEST(IsLibraryFileTest, RecognisesTheStandardLibrary) {
  EXPECT_TRUE(IsLibraryFile("/usr/lib/python3.11/json/decoder.py"));
  EXPECT_TRUE(IsLibraryFile("/usr/lib64/python3.12/threading.py"));
  EXPECT_TRUE(
      IsLibraryFile("/root/.pyenv/versions/3.13.0/lib/python3.13t/copy.py"));
  EXPECT_TRUE(IsLibraryFile("/usr/lib/python311.zip/json/decoder.py"));
  EXPECT_TRUE(IsLibraryFile("<frozen runpy>"));
  EXPECT_TRUE(IsLibraryFile("<frozen importlib._bootstrap>"));
}

TEST(IsLibraryFileTest, RecognisesThirdPartyPackages) {
  EXPECT_TRUE(
      IsLibraryFile("/usr/lib/python3/dist-packages/numpy/core/numeric.py"));
  EXPECT_TRUE(IsLibraryFile(
      "/home/u/venv/lib/python3.11/site-packages/pandas/io/parsers.py"));
  EXPECT_TRUE(IsLibraryFile("site-packages/x.py"));
}

TEST(IsLibraryFileTest, LeavesUserCodeAlone) {
  EXPECT_FALSE(IsLibraryFile("app.py"));
  EXPECT_FALSE(IsLibraryFile("/home/u/project/train.py"));
  EXPECT_FALSE(IsLibraryFile("/home/u/project/lib/helpers.py"));
  EXPECT_FALSE(IsLibraryFile("/home/u/lib/python_tools/x.py"));
  EXPECT_FALSE(IsLibraryFile("/home/u/lib/pythonic/x.py"));
  // Generated code is not installed code (see OriginOfFile for its kind).
  EXPECT_FALSE(IsLibraryFile("<string>"));
  EXPECT_FALSE(IsLibraryFile("<stdin>"));
  EXPECT_FALSE(IsLibraryFile(""));
  // A file merely named like a directory we look for is the user's.
  EXPECT_FALSE(IsLibraryFile("/home/u/site-packages"));
  EXPECT_FALSE(IsLibraryFile("/home/u/lib/python3.11"));
}

TEST(OriginOfFileTest, TellsEachKindApart) {
  EXPECT_EQ(OriginOfFile("/home/u/job.py"), CodeOrigin::kUser);
  EXPECT_EQ(OriginOfFile("job.py"), CodeOrigin::kUser);
  EXPECT_EQ(OriginOfFile(""), CodeOrigin::kUser);
  EXPECT_EQ(OriginOfFile("/usr/lib/python3/dist-packages/numpy/x.py"),
            CodeOrigin::kLibrary);
  // A package inside a version folder is a package, not the standard
  // library.
  EXPECT_EQ(OriginOfFile("/v/lib/python3.11/site-packages/pandas/x.py"),
            CodeOrigin::kLibrary);
  EXPECT_EQ(OriginOfFile("/usr/lib/python3.11/json/decoder.py"),
            CodeOrigin::kStandardLibrary);
  EXPECT_EQ(OriginOfFile("<frozen importlib._bootstrap_external>"),
            CodeOrigin::kFrozen);
  EXPECT_EQ(OriginOfFile("<string>"), CodeOrigin::kGenerated);
  EXPECT_EQ(OriginOfFile("<__array_function__ internals>"),
            CodeOrigin::kGenerated);
  // Only a whole "<...>" name is generated.
  EXPECT_EQ(OriginOfFile("<odd name.py"), CodeOrigin::kUser);
  ProfileFrame native;
  native.kind = FrameKind::kNative;
  native.file = "/home/u/job.py";
  EXPECT_EQ(OriginOfFrame(native), CodeOrigin::kNative);
}

// A profile whose frames are these files (all Python but "NATIVE"), and one
// stack over all of them, innermost first.
Profile ProfileOf(const std::vector<std::string>& files) {
  Profile profile;
  ProfileStack stack;
  for (const std::string& file : files) {
    ProfileFrame frame;
    if (file == "NATIVE") {
      frame.kind = FrameKind::kNative;
      frame.file = "libx.so";
    } else {
      frame.file = file;
    }
    stack.frames.push_back(static_cast<int>(profile.frames.size()));
    profile.frames.push_back(frame);
  }
  profile.stacks.push_back(stack);
  return profile;
}

int UserLineOf(const std::vector<std::string>& files) {
  const Profile profile = ProfileOf(files);
  return UserLinePosition(profile, profile.stacks[0]);
}

TEST(UserLinePositionTest, PicksTheInnermostUserFrame) {
  EXPECT_EQ(UserLineOf({"NATIVE", "<__array_function__ internals>",
                        "/usr/lib/python3/dist-packages/numpy/a.py",
                        "/home/u/job.py", "/home/u/main.py"}),
            3);
  // namedtuple's generated __new__ is not the user's line.
  EXPECT_EQ(UserLineOf({"<string>", "/usr/lib/python3.11/collections/x.py",
                        "/home/u/job.py"}),
            2);
}

TEST(UserLinePositionTest, FallsBackToTheCodeThatRan) {
  // Only installed and generated code: the innermost non-frozen Python frame.
  EXPECT_EQ(UserLineOf({"NATIVE", "<frozen importlib._bootstrap>",
                        "/usr/lib/python3.11/json/decoder.py", "<string>"}),
            2);
  // `python -c`: the generated frame is all there is.
  EXPECT_EQ(UserLineOf({"<string>"}), 0);
  EXPECT_EQ(UserLineOf({"<frozen runpy>", "NATIVE"}), 0);
  EXPECT_EQ(UserLineOf({}), -1);
}

TEST(UserLinePositionTest, SkipsFrameIndicesOutOfRange) {
  Profile profile = ProfileOf({"/home/u/job.py"});
  profile.stacks[0].frames.insert(profile.stacks[0].frames.begin(), 99);
  EXPECT_EQ(UserLinePosition(profile, profile.stacks[0]), 1);
}

int ContextOf(const std::vector<std::string>& files) {
  const Profile profile = ProfileOf(files);
  const std::vector<CodeOrigin> origins = OriginsOfFrames(profile);
  EXPECT_EQ(UserLinePosition(origins, profile.stacks[0]),
            UserLinePosition(profile, profile.stacks[0]));
  return ContextPosition(profile, origins, profile.stacks[0],
                         UserLinePosition(origins, profile.stacks[0]));
}

TEST(ContextPositionTest, NamesTheLibraryCallTheUserLineMade) {
  // np.stack: the generated dispatcher is skipped for the numpy function it
  // dispatched to, the outermost installed frame below the user line.
  EXPECT_EQ(ContextOf({"NATIVE", "<__array_function__ internals>",
                       "/usr/lib/python3/dist-packages/numpy/shape_base.py",
                       "<__array_function__ internals>", "/home/u/job.py",
                       "/home/u/main.py"}),
            2);
  EXPECT_EQ(ContextOf({"/usr/lib/python3/dist-packages/pandas/a.py",
                       "/usr/lib/python3/dist-packages/pandas/readers.py",
                       "/home/u/job.py"}),
            1);
  // A namedtuple's generated __new__ when nothing installed is below.
  EXPECT_EQ(ContextOf({"<string>", "/home/u/job.py"}), 0);
  // The user line allocated itself, or only frozen and native code ran.
  EXPECT_EQ(ContextOf({"/home/u/job.py", "/home/u/main.py"}), -1);
  EXPECT_EQ(
      ContextOf({"NATIVE", "<frozen importlib._bootstrap>", "/home/u/job.py"}),
      -1);
  // No user frame: the fallback line has no context.
  EXPECT_EQ(ContextOf({"<string>", "/usr/lib/python3.11/json/decoder.py"}), -1);
  EXPECT_EQ(ContextOf({}), -1);
}

TEST(ContextPositionTest, SkipsDecoratorWrappers) {
  // pd.concat: pandas' argument-checking decorator wraps the real function.
  Profile profile = ProfileOf({"/usr/lib/python3/dist-packages/pandas/c.py",
                               "/usr/lib/python3/dist-packages/pandas/c.py",
                               "/usr/lib/python3/dist-packages/pandas/d.py",
                               "/home/u/job.py"});
  profile.frames[1].function = "concat";
  profile.frames[2].function =
      "deprecate_nonkeyword_arguments.<locals>.decorate.<locals>.wrapper";
  const std::vector<CodeOrigin> origins = OriginsOfFrames(profile);
  EXPECT_EQ(ContextPosition(profile, origins, profile.stacks[0], 3), 1);
  // Only wrappers below: the outermost of them still says something.
  profile.frames[1].function = profile.frames[2].function;
  profile.frames[0].function = profile.frames[2].function;
  EXPECT_EQ(ContextPosition(profile, origins, profile.stacks[0], 3), 2);
  // Not a user line: no context.
  EXPECT_EQ(ContextPosition(profile, origins, profile.stacks[0], 2), -1);
  EXPECT_EQ(ContextPosition(profile, origins, profile.stacks[0], 4), -1);
}

TEST(ShortFrameTextTest, ShortensPythonFilesOnly) {
  ProfileFrame frame;
  frame.function = "stack";
  frame.file = "/usr/lib/python3/dist-packages/numpy/core/shape_base.py";
  frame.line = 449;
  EXPECT_EQ(ShortFrameText(frame, "/home/u"),
            "stack (numpy/core/shape_base.py:449)");
  frame.function = "fe\natures";
  frame.file = "/home/u/job.py";
  frame.line = 19;
  EXPECT_EQ(ShortFrameText(frame, "/home/u"), "fe atures (job.py:19)");
  frame.kind = FrameKind::kNative;
  frame.function = "malloc";
  frame.line = 0;
  frame.file = "/usr/lib/x86_64-linux-gnu/libc.so.6";
  EXPECT_EQ(ShortFrameText(frame, "/usr"),
            "malloc (/usr/lib/x86_64-linux-gnu/libc.so.6)");
}

TEST(ShortFileNameTest, ShortensWhatItKnows) {
  EXPECT_EQ(ShortFileName("/usr/lib/python3/dist-packages/numpy/core/a.py",
                          "/home/u"),
            "numpy/core/a.py");
  EXPECT_EQ(ShortFileName("/v/lib/python3.11/site-packages/pandas/b.py", ""),
            "pandas/b.py");
  EXPECT_EQ(ShortFileName("/usr/lib/python3.11/json/decoder.py", ""),
            "json/decoder.py");
  EXPECT_EQ(ShortFileName("/home/u/proj/etl/job.py", "/home/u/proj"),
            "etl/job.py");
  EXPECT_EQ(ShortFileName("/home/u/proj/etl/job.py", "/home/u/proj/"),
            "etl/job.py");
  // A sibling folder sharing the prefix is not inside the working directory.
  EXPECT_EQ(ShortFileName("/home/u/project2/job.py", "/home/u/proj"),
            "/home/u/project2/job.py");
  EXPECT_EQ(ShortFileName("/home/u/job.py", ""), "/home/u/job.py");
  EXPECT_EQ(ShortFileName("job.py", "/home/u"), "job.py");
  EXPECT_EQ(ShortFileName("<string>", "/home/u"), "<string>");
  EXPECT_EQ(ShortFileName("/home/u", "/home/u"), "/home/u");
}

}  // namespace
}  // namespace tidemark
