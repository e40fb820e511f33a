// What can be checked without a PACS: address parsing and the refusal of a port nothing listens on.
// (tests/io/pacs_orthanc_test.sh sends to a real Orthanc.)
#include "io/pacs_sender.h"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

namespace diffrecon {
namespace {

TEST(PacsSender, ParsesAetAtHostColonPort) {
  const auto address = PacsAddress::parse("ORTHANC@127.0.0.1:4242");
  EXPECT_EQ(address.called_ae_title, "ORTHANC");
  EXPECT_EQ(address.host, "127.0.0.1");
  EXPECT_EQ(address.port, 4242);
  EXPECT_EQ(address.to_string(), "ORTHANC@127.0.0.1:4242");
  EXPECT_EQ(PacsAddress::parse("PACS@pacs.example.org:104").host, "pacs.example.org");
}

TEST(PacsSender, BadAddressesNameTheTextAndTheExpectedForm) {
  for (const auto* text : {"ORTHANC", "ORTHANC@host", "@host:104", "A@:104", "A@host:", "A@host:0", "A@host:70000",
                           "A@host:12x", "WAY_TOO_LONG_AE_TITLE@host:104"}) {
    try {
      PacsAddress::parse(text);
      ADD_FAILURE() << text << " was accepted";
    } catch (const std::invalid_argument& error) {
      EXPECT_NE(std::string(error.what()).find(text), std::string::npos) << error.what();
    }
  }
}

TEST(PacsSender, StoreStatusesFollowPs37AnnexC) {
  EXPECT_EQ(classify_store_status(0x0000), StoreStatus::Success);
  for (uint16_t warning : {0x0001, 0xB000, 0xB006, 0xB007})
    EXPECT_EQ(classify_store_status(warning), StoreStatus::Warning) << warning;
  for (uint16_t failure : {0xA700, 0xA7FF, 0xA900, 0xC000, 0xCFFF, 0x0110, 0x0122, 0x0124, 0x0211, 0xFE00})
    EXPECT_EQ(classify_store_status(failure), StoreStatus::Failure) << failure;
  EXPECT_EQ(describe_store_status(0xA700), "0xA700 (refused: out of resources)");
  EXPECT_EQ(describe_store_status(0x0122), "0x0122 (refused: SOP class not supported)");
}

// A port that was free a moment ago: bind to port 0, read the port, close.
uint16_t unused_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

TEST(PacsSender, MissingFileIsNamedBeforeAnyConnection) {
  PacsAddress peer{"NOBODY", "127.0.0.1", unused_port()};
  PacsSendOptions options;
  options.timeout_s = 5;
  // An empty list sends nothing and needs no peer.
  EXPECT_EQ(send_to_pacs({}, peer, options).sent, 0);
  try {
    send_to_pacs({"/nonexistent/IM0001.dcm"}, peer, options);
    ADD_FAILURE() << "a missing file was sent";
  } catch (const PacsError& error) {
    EXPECT_NE(std::string(error.what()).find("/nonexistent/IM0001.dcm"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace diffrecon
