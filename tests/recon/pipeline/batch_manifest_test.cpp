#include "recon/pipeline/batch_manifest.h"

#include "tests/scratch_folder.h"

#include <gtest/gtest.h>

#include <fstream>

namespace diffrecon {
namespace {

using diffrecon::testing::ScratchFolder;

TEST(BatchManifest, CsvWithQuotesAndPathsRelativeToTheManifest) {
  ScratchFolder folder;
  std::ofstream(folder / "m.csv") << "id,modality,input,out,options\n"
                                     "# a comment\n"
                                     "a,mri,raw/a.h5,out/a/,--method cg\n"
                                     ",ct,/abs/s.nii.gz,out/b,\"--geometry g.json --method fbp\"\n";
  const auto studies = read_batch_manifest(folder / "m.csv");
  ASSERT_EQ(studies.size(), 2u);
  EXPECT_EQ(studies[0].id, "a");
  EXPECT_EQ(studies[0].input, folder / "raw/a.h5");
  EXPECT_EQ(studies[1].id, "b");  // from the output folder
  EXPECT_EQ(studies[1].input, "/abs/s.nii.gz");
  EXPECT_EQ(studies[1].out, folder / "out/b");
  EXPECT_EQ(studies[1].modality, "ct");
  // Path options are resolved against the manifest's folder.
  const std::vector<std::string> expected{"--geometry", (folder / "g.json").string(), "--method", "fbp"};
  EXPECT_EQ(studies[1].options, expected);
  EXPECT_EQ(studies[1].where, (folder / "m.csv").string() + " line 4");
}

TEST(BatchManifest, JsonWithOptionLists) {
  ScratchFolder folder;
  std::ofstream(folder / "m.json") << R"([{"modality": "mri", "input": "k.h5", "out": "o/", "options": ["--method", "l1"]}])";
  const auto studies = read_batch_manifest(folder / "m.json");
  ASSERT_EQ(studies.size(), 1u);
  EXPECT_EQ(studies[0].options, (std::vector<std::string>{"--method", "l1"}));
  EXPECT_EQ(studies[0].id, "o");
}

TEST(BatchManifest, MistakesNameTheLineAndWhatWasExpected) {
  ScratchFolder folder;
  auto expect_error = [&](const std::string& text, const std::string& part) {
    std::ofstream(folder / "bad.csv") << text;
    try {
      read_batch_manifest(folder / "bad.csv");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const BatchManifestError& error) {
      EXPECT_NE(std::string(error.what()).find(part), std::string::npos) << error.what();
    }
  };
  expect_error("modality,input\n", "no 'out' column");
  expect_error("modality,input,out,colour\n", "unknown column 'colour'");
  expect_error("modality,input,out\nmri,a.h5\n", "line 2 has 2 fields");
  expect_error("modality,input,out\npet,a,b\n", "line 2: modality 'pet' is not mri or ct");
  expect_error("modality,input,out\nmri,,b\n", "line 2: no input");
  expect_error("", "is empty");
  expect_error("[{\"modality\": \"mri\", \"inptu\": \"a\"}]", "entry 1: unknown key 'inptu'");
  // Shards and the merge name studies by id, and a study folder is replaced as a whole: studies that
  // would overwrite each other, or a manifest without any, are refused before anything runs.
  expect_error("id,modality,input,out\na,mri,k.h5,x/\na,mri,k.h5,y/\n", "line 3: id 'a' is also the id of");
  expect_error("modality,input,out\nmri,k.h5,o/\nmri,k.h5,o/inner/\n", "line 3: output folder");
  expect_error("id,modality,input,out\na,mri,k.h5,o/\nb,mri,k.h5,./o\n", "overlaps");
  expect_error("id,modality,input,out\n", "lists no studies");
  std::ofstream(folder / "m.csv") << "id,modality,input,out\na,mri,k.h5,o/\nb,mri,k.h5,ob/\n";
  EXPECT_EQ(read_batch_manifest(folder / "m.csv").size(), 2u);  // o and ob are separate folders
  EXPECT_THROW(read_batch_manifest(folder / "missing.csv"), BatchManifestError);
}


}  // namespace
}  // namespace diffrecon
