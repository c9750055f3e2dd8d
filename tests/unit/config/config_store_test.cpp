#include "config/config_store.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "config/config_boot.h"
#include "config/config_errors.h"
#include "config/config_view.h"
#include "config/flash_layout.h"

#include "fake_flash.h"

namespace probebox {
namespace {

constexpr size_t kSector = 256;  // small sectors: many erase boundaries per save
constexpr size_t kSlotSectors = 8;

std::string load(hal::FakeFlash& flash) {
  ConfigStore store(flash, kSlotSectors);
  char buf[4096];
  size_t len = 0;
  if (!store.load(buf, len).ok()) return "<none>";
  return std::string(buf, len);
}

std::string config_text(int version, size_t size) {
  std::string s = "{\"schema\":1,\"device\":{\"name\":\"v" + std::to_string(version) + "\",\"location\":\"";
  while (s.size() + 3 < size) s += static_cast<char>('a' + (version + s.size()) % 26);
  return s + "\"}}";
}

TEST(ConfigStore, EmptyFlashHasNoConfig) {
  hal::FakeFlash flash(kSector, 2 * kSlotSectors);
  EXPECT_EQ(load(flash), "<none>");
}

TEST(ConfigStore, SaveAlternatesSlotsAndNewestWins) {
  hal::FakeFlash flash(kSector, 2 * kSlotSectors);
  ConfigStore store(flash, kSlotSectors);
  for (int v = 1; v <= 5; ++v) {
    ASSERT_TRUE(store.save(config_text(v, 300 + v * 97)).ok());
    EXPECT_EQ(load(flash), config_text(v, 300 + v * 97));
    EXPECT_EQ(store.sequence(), static_cast<uint32_t>(v));
  }
}

TEST(ConfigStore, TooLargeIsRefusedAndChangesNothing) {
  hal::FakeFlash flash(kSector, 2 * kSlotSectors);
  ConfigStore store(flash, kSlotSectors);
  ASSERT_TRUE(store.save("{\"schema\":1}").ok());
  EXPECT_EQ(store.save(std::string(store.capacity() + 1, 'x')).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(load(flash), "{\"schema\":1}");
}

TEST(ConfigStore, CorruptionOfTheNewestFallsBackToTheOlder) {
  hal::FakeFlash flash(kSector, 2 * kSlotSectors);
  ConfigStore store(flash, kSlotSectors);
  ASSERT_TRUE(store.save(config_text(1, 500)).ok());
  ASSERT_TRUE(store.save(config_text(2, 500)).ok());  // lands in slot 1
  flash.raw()[kSlotSectors * kSector + ConfigStore::kHeaderBytes + 10] ^= 0x01;
  EXPECT_EQ(load(flash), config_text(1, 500));
}

TEST(ConfigStore, FactoryResetErasesBoth) {
  hal::FakeFlash flash(kSector, 2 * kSlotSectors);
  ConfigStore store(flash, kSlotSectors);
  ASSERT_TRUE(store.save(config_text(1, 500)).ok());
  ASSERT_TRUE(store.save(config_text(2, 500)).ok());
  ASSERT_TRUE(store.erase_all().ok());
  EXPECT_EQ(load(flash), "<none>");
}

// The power-loss proof: cut a save at every byte written and every sector-erase
// boundary, reboot, and find either the old or the new config — never anything else.
TEST(ConfigStore, PowerLossAtEveryPointLeavesOldOrNew) {
  for (int previous_saves : {1, 2}) {  // the save lands in slot 1, then in slot 0
    hal::FakeFlash reference(kSector, 2 * kSlotSectors);
    ConfigStore ref_store(reference, kSlotSectors);
    std::string old_text;
    for (int v = 1; v <= previous_saves; ++v) {
      old_text = config_text(v, 700);
      ASSERT_TRUE(ref_store.save(old_text).ok());
    }
    const std::string new_text = config_text(9, 1100);
    const std::vector<uint8_t> before = reference.raw();
    size_t ops_before = reference.operations();
    ASSERT_TRUE(ref_store.save(new_text).ok());
    size_t total_ops = reference.operations() - ops_before;
    ASSERT_GT(total_ops, new_text.size());

    int saw_old = 0, saw_new = 0;
    for (size_t cut = 0; cut <= total_ops; ++cut) {
      hal::FakeFlash flash(kSector, 2 * kSlotSectors);
      flash.raw() = before;
      flash.cut_power_after(cut);
      ConfigStore store(flash, kSlotSectors);
      Status s = store.save(new_text);
      EXPECT_EQ(s.ok(), cut == total_ops) << "cut " << cut;
      flash.restore_power();  // reboot
      std::string booted = load(flash);
      if (booted == old_text) ++saw_old;
      else if (booted == new_text) ++saw_new;
      else ADD_FAILURE() << "cut after " << cut << " of " << total_ops << " operations booted: " << booted.substr(0, 40);
    }
    EXPECT_EQ(saw_old, static_cast<int>(total_ops));  // every cut before the last header byte
    EXPECT_EQ(saw_new, 1);
  }
}

// The config is read where it lies: mapped() is a view into the flash, not a copy.
TEST(ConfigStore, TheNewestConfigIsReadInPlace) {
  hal::FakeFlash flash(kSector, 2 * kSlotSectors);
  ConfigStore store(flash, kSlotSectors);
  std::string_view text;
  EXPECT_EQ(store.mapped(text).code(), StatusCode::kNotFound);
  ASSERT_TRUE(store.save(config_text(1, 500)).ok());
  ASSERT_TRUE(store.save(config_text(2, 700)).ok());
  ASSERT_TRUE(store.mapped(text).ok());
  EXPECT_EQ(text, config_text(2, 700));
  EXPECT_EQ(static_cast<const void*>(text.data()),
            static_cast<const void*>(flash.raw().data() + kSlotSectors * kSector + ConfigStore::kHeaderBytes));
  EXPECT_EQ(store.sequence(), 2u);
}

// A part whose flash is read by command has no view to give: said, never faked.
TEST(ConfigStore, FlashThatIsNotMemoryMappedHasNoView) {
  hal::FakeFlash flash(kSector, 2 * kSlotSectors);
  flash.set_memory_mapped(false);
  ConfigStore store(flash, kSlotSectors);
  ASSERT_TRUE(store.save(config_text(1, 500)).ok());
  std::string_view text;
  EXPECT_EQ(store.mapped(text).code(), StatusCode::kUnimplemented);
  EXPECT_EQ(load(flash), config_text(1, 500)) << "a copying read still works";
}

// PUT /api/config's path: the new text is written a piece at a time into the free
// slot, readable there in place, and the old one stays the newest until commit().
TEST(ConfigStore, AWriteInPiecesIsReadableInPlaceAndOnlyCommitMakesItTheNewest) {
  hal::FakeFlash flash(kSector, 2 * kSlotSectors);
  ConfigStore store(flash, kSlotSectors);
  const std::string old_text = config_text(1, 600), new_text = config_text(2, 1500);
  ASSERT_TRUE(store.save(old_text).ok());
  ASSERT_TRUE(store.begin_write(new_text.size()).ok());
  for (size_t at = 0; at < new_text.size(); at += 97) {
    ASSERT_TRUE(store.write_more(std::string_view(new_text).substr(at, 97)).ok());
    EXPECT_EQ(load(flash), old_text) << "not the newest before commit()";
  }
  EXPECT_EQ(store.written(), new_text);
  EXPECT_EQ(store.write_more("x").code(), StatusCode::kOutOfRange) << "no byte past the announced length";
  ASSERT_TRUE(store.commit().ok());
  EXPECT_EQ(load(flash), new_text);
  EXPECT_EQ(store.sequence(), 2u);
  EXPECT_EQ(store.commit().code(), StatusCode::kFailedPrecondition) << "once";
}

TEST(ConfigStore, AnUnfinishedOrAbandonedWriteLeavesBothSlots) {
  hal::FakeFlash flash(kSector, 2 * kSlotSectors);
  ConfigStore store(flash, kSlotSectors);
  ASSERT_TRUE(store.save(config_text(1, 600)).ok());
  ASSERT_TRUE(store.save(config_text(2, 600)).ok());
  const std::string next = config_text(3, 900);
  ASSERT_TRUE(store.begin_write(next.size()).ok());
  ASSERT_TRUE(store.write_more(std::string_view(next).substr(0, 400)).ok());
  EXPECT_EQ(store.commit().code(), StatusCode::kFailedPrecondition) << "a cut body is never committed";
  ConfigStore restarted(flash, kSlotSectors);
  EXPECT_EQ(load(flash), config_text(2, 600));
  EXPECT_EQ(store.begin_write(store.capacity() + 1).code(), StatusCode::kResourceExhausted);
}

// A box that booted from the older slot (the newest could not be used) runs on
// it: a new config is written over the unusable newest one, never over it.
TEST(ConfigStore, TheSlotTheBoxRunsOnIsNeverTheOneWritten) {
  hal::FakeFlash flash(kSector, 2 * kSlotSectors);
  ConfigStore store(flash, kSlotSectors);
  ASSERT_TRUE(store.save(config_text(1, 600)).ok());  // slot 0
  ASSERT_TRUE(store.save(config_text(2, 600)).ok());  // slot 1, the newest
  std::string_view running;
  ASSERT_TRUE(store.mapped_slot(0, running).ok());
  const std::string next = config_text(3, 800);
  ASSERT_TRUE(store.begin_write(next.size(), running).ok());
  ASSERT_TRUE(store.write_more(next).ok());
  EXPECT_EQ(running, config_text(1, 600)) << "the running text is untouched";
  ASSERT_TRUE(store.commit().ok());
  EXPECT_EQ(load(flash), next);
  EXPECT_EQ(store.sequence(), 3u);
  ASSERT_TRUE(store.mapped_slot(0, running).ok());
  EXPECT_EQ(running, config_text(1, 600));
}

TEST(FlashAppender, ABodyIsKeptAsItArrivesWithinItsBounds) {
  hal::FakeFlash flash(kSector, 8);
  FlashAppender area(&flash, 4, 4);
  EXPECT_EQ(area.begin(4 * kSector + 1).code(), StatusCode::kResourceExhausted);
  const std::string body = config_text(5, 3 * kSector);
  ASSERT_TRUE(area.begin(body.size()).ok());
  ASSERT_TRUE(area.append(std::string_view(body).substr(0, 300)).ok());
  EXPECT_FALSE(area.complete());
  ASSERT_TRUE(area.append(std::string_view(body).substr(300)).ok());
  EXPECT_TRUE(area.complete());
  EXPECT_EQ(area.view(), body);
  EXPECT_EQ(static_cast<const void*>(area.view().data()), static_cast<const void*>(flash.raw().data() + 4 * kSector));
  EXPECT_EQ(area.append("x").code(), StatusCode::kOutOfRange);
  area.reset();
  EXPECT_TRUE(area.view().empty());
  FlashAppender none(nullptr, 0, 4);
  EXPECT_EQ(none.begin(10).code(), StatusCode::kUnavailable) << "a board without flash";
}

// PUT /api/config's secrets, put back as the upload is copied into the free slot:
// byte for byte what restore_secrets() gives, with long values (a stored value is at
// most 160 bytes: one window), escaped quotes in them, a placeholder that is not a secret (left as it is),
// two placeholders side by side, and a document with none.
TEST(ConfigStore, TheUploadIsWrittenWithItsSecretsPutBackAsRestoreSecretsGivesIt) {
  const std::string long_value = std::string(100, 'L') + "\\\"q" + std::string(50, 'M');  // 160 at most
  const std::string stored = R"({"checks":[{"id":"a","type":"smtp","password":")" + long_value +
                             R"("},{"id":"b","type":"smtp","password":"p\"b"}],"appliance":{"health_api_key":"k"}})";
  const std::string incoming = R"({"note":"********","checks":[{"id":"b","type":"smtp","password":"********"},)"
                               R"({"id":"a","type":"smtp","password":"********"}],)"
                               R"("appliance":{"health_api_key":"********"},"x":["********","********"]})";
  FixedText<4096> expected;
  ConfigErrors errors;
  ASSERT_TRUE(restore_secrets(incoming, stored, expected, errors).ok());
  ASSERT_NE(expected.view().find(long_value), std::string_view::npos);
  hal::FakeFlash flash(kSector, 2 * kSlotSectors);
  ConfigStore store(flash, kSlotSectors);
  ASSERT_TRUE(store.save(stored).ok());
  ASSERT_TRUE(write_restoring_secrets(incoming, stored, store, errors).ok());
  EXPECT_EQ(store.written(), expected.view());
  ASSERT_TRUE(store.commit().ok());
  EXPECT_EQ(load(flash), std::string(expected.view()));

  // Nothing to put back: copied as it is.
  const std::string plain = R"({"schema":1,"device":{"name":"plain"}})";
  ASSERT_TRUE(write_restoring_secrets(plain, stored, store, errors).ok());
  EXPECT_EQ(store.written(), plain);

  // A placeholder with nothing stored for it: restore_secrets()'s error, nothing committed.
  errors.clear();
  const std::string orphan = R"({"checks":[{"id":"z","type":"smtp","password":"********"}]})";
  EXPECT_EQ(write_restoring_secrets(orphan, stored, store, errors).code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(errors.empty());
  EXPECT_EQ(load(flash), std::string(expected.view()));
}

// What a box boots with, on the real layout (two 18-sector slots, read in place). A slot that passes its CRC can still be unusable; the box must not fall
// back to the factory config (0 checks) while the older slot is fine.
class BootConfigTest : public ::testing::Test {
 protected:
  static constexpr size_t kFlashSector = 4096;
  hal::FakeFlash flash_{kFlashSector, 2 * flash_layout::kConfigSlotSectors};
  ConfigStore store_{flash_, flash_layout::kConfigSlotSectors};
  std::string_view text_;    // where the booted text lies (the mapped slot)
  std::string_view in_use_;  // what adopt_given_config() runs on
  std::unique_ptr<Config> config_ = std::make_unique<Config>();
  ConfigErrors errors_;
  BootConfig boot_;

  void boot() {
    ConfigStore fresh(flash_, flash_layout::kConfigSlotSectors);  // as after a restart
    load_boot_config(fresh, text_, *config_, errors_, boot_);
  }
  std::string booted() const { return std::string(text_); }
  int valid() {
    int slots[2];
    return ConfigStore(flash_, flash_layout::kConfigSlotSectors).valid_slots(slots);
  }
};

const std::string kGood = R"({"schema":1,"device":{"name":"good"},"checks":[{"id":"a","type":"tcp","host":"10.0.2.2","port":1}]})";

TEST_F(BootConfigTest, TheNewestUsableConfigBootsSilently) {
  ASSERT_TRUE(store_.save(R"({"schema":1})").ok());
  ASSERT_TRUE(store_.save(kGood).ok());
  boot();
  EXPECT_EQ(boot_.source, BootConfig::Source::kNewestSlot);
  EXPECT_EQ(boot_.sequence, 2u);
  EXPECT_EQ(booted(), kGood);
  EXPECT_EQ(config_->check_count, 1);
  EXPECT_TRUE(boot_.note.empty());
}

TEST_F(BootConfigTest, ANewestSlotThatIsNotAConfigFallsBackToTheOlderOne) {
  ASSERT_TRUE(store_.save(kGood).ok());
  ASSERT_TRUE(store_.save("{\"schema\":1,\"checks\":[{").ok());  // CRC fine, JSON cut
  boot();
  EXPECT_EQ(boot_.source, BootConfig::Source::kOlderSlot);
  EXPECT_EQ(booted(), kGood);
  EXPECT_EQ(config_->check_count, 1) << "not the factory config";
  EXPECT_EQ(boot_.note.view(),
            "stored config #2 (not a valid config) cannot be used and was discarded; running the previous one, #1");
  // The unusable slot is gone, so the next save lands there and the one in use
  // survives a power cut during it.
  EXPECT_EQ(valid(), 1);
  ConfigStore after(flash_, flash_layout::kConfigSlotSectors);
  ASSERT_TRUE(after.save(R"({"schema":1,"device":{"name":"next"}})").ok());
  EXPECT_EQ(valid(), 2);
  boot();
  EXPECT_EQ(boot_.source, BootConfig::Source::kNewestSlot);
  EXPECT_EQ(booted(), R"({"schema":1,"device":{"name":"next"}})");
}

// The erase of the unusable slot used to be ignored: when it fails, the next save
// lands on the slot in use, and the note must not claim the bad one was discarded.
TEST_F(BootConfigTest, AnUnusableSlotThatCannotBeErasedIsSaidSo) {
  ASSERT_TRUE(store_.save(kGood).ok());
  ASSERT_TRUE(store_.save("{\"schema\":1,\"checks\":[{").ok());
  flash_.cut_power_after(0);  // reads work, every erase and write fails
  boot();
  flash_.restore_power();
  EXPECT_EQ(boot_.source, BootConfig::Source::kOlderSlot);
  EXPECT_EQ(booted(), kGood);
  EXPECT_EQ(boot_.note.view(),
            "stored config #2 (not a valid config) cannot be used nor erased; running #1, which the next save replaces");
  EXPECT_EQ(valid(), 2);
}

TEST_F(BootConfigTest, ANewestSlotThatFailsValidationFallsBack) {
  ASSERT_TRUE(store_.save(kGood).ok());
  ASSERT_TRUE(store_.save(R"({"schema":1,"device":{"name":"a\r\nBcc: x@evil.example"}})").ok());
  boot();
  EXPECT_EQ(boot_.source, BootConfig::Source::kOlderSlot);
  EXPECT_EQ(booted(), kGood);
}

TEST_F(BootConfigTest, AnOversizedNewestSlotFallsBack) {
  ASSERT_TRUE(store_.save(kGood).ok());
  // Fits the 72 KiB slot, passes its CRC, but is past the 64 KiB a config may be.
  std::string big = R"({"schema":1,"device":{"name":"big","location":")" + std::string(70'000, 'x') + "\"}}";
  ASSERT_LE(big.size(), store_.capacity());
  ASSERT_TRUE(store_.save(big).ok());
  boot();
  EXPECT_EQ(boot_.source, BootConfig::Source::kOlderSlot);
  EXPECT_EQ(booted(), kGood);
  EXPECT_NE(boot_.note.view().find("#2 (larger than 64 KiB)"), std::string_view::npos) << boot_.note.c_str();
}

TEST_F(BootConfigTest, NothingUsableBootsTheFactoryConfigAndKeepsBothSlots) {
  ASSERT_TRUE(store_.save("{").ok());
  ASSERT_TRUE(store_.save("[]").ok());
  boot();
  EXPECT_EQ(boot_.source, BootConfig::Source::kFactory);
  EXPECT_EQ(booted(), kFactoryConfig);
  EXPECT_EQ(config_->check_count, 0);
  EXPECT_NE(boot_.note.view().find("running the factory config"), std::string_view::npos);
  EXPECT_EQ(valid(), 2) << "a firmware that can read them may come back";
}

TEST_F(BootConfigTest, EmptyFlashIsTheFactoryConfigWithoutANote) {
  boot();
  EXPECT_EQ(boot_.source, BootConfig::Source::kFactory);
  EXPECT_EQ(booted(), kFactoryConfig);
  EXPECT_TRUE(boot_.note.empty());
  EXPECT_TRUE(errors_.empty()) << "the factory config parses";
}

}  // namespace
// A config given at start (--config FILE), the same on both boards: stored only
// when it differs from the newest stored one, so a restart with the same file
// wears nothing (the board used to write it again on every start).
TEST_F(BootConfigTest, AGivenConfigIsStoredOnlyWhenItDiffers) {
  ASSERT_TRUE(adopt_given_config(kGood, &store_, *config_, errors_, in_use_).ok());
  EXPECT_EQ(store_.sequence(), 1u);
  EXPECT_EQ(config_->check_count, 1);
  ConfigStore restarted(flash_, flash_layout::kConfigSlotSectors);
  const size_t writes_before = flash_.operations();
  ASSERT_TRUE(adopt_given_config(kGood, &restarted, *config_, errors_, in_use_).ok());
  EXPECT_EQ(restarted.sequence(), 1u) << "the same file again: nothing written";
  EXPECT_EQ(flash_.operations(), writes_before) << "no erase, no write";
  const std::string other = R"({"schema":1,"device":{"name":"other"}})";
  ASSERT_TRUE(adopt_given_config(other, &restarted, *config_, errors_, in_use_).ok());
  EXPECT_EQ(restarted.sequence(), 2u);
  boot();
  EXPECT_EQ(booted(), other);
}

// The board's --config FILE: read a piece at a time into the free slot (no RAM
// copy), compared first so the same file writes nothing, committed only when valid.
class StringSource final : public ConfigSource {
 public:
  explicit StringSource(std::string text) : text_(std::move(text)) {}
  bool read(size_t offset, std::span<char> out) override {
    if (offset + out.size() > text_.size()) return false;
    std::memcpy(out.data(), text_.data() + offset, out.size());
    return true;
  }
  std::string text_;
};

TEST_F(BootConfigTest, AGivenFileIsStreamedIntoTheStoreAndRunFromThere) {
  StringSource file(kGood);
  ASSERT_TRUE(adopt_given_config(file, kGood.size(), store_, *config_, errors_, in_use_).ok());
  EXPECT_EQ(in_use_, kGood);
  EXPECT_EQ(config_->check_count, 1);
  EXPECT_GE(static_cast<const void*>(in_use_.data()), static_cast<const void*>(flash_.raw().data()))
      << "the stored slot, read in place";
  const size_t ops = flash_.operations();
  ConfigStore restarted(flash_, flash_layout::kConfigSlotSectors);
  ASSERT_TRUE(adopt_given_config(file, kGood.size(), restarted, *config_, errors_, in_use_).ok());
  EXPECT_EQ(flash_.operations(), ops) << "the same file again: nothing written";
  StringSource bad(R"({"schema":1,"surprise":true})");
  EXPECT_EQ(adopt_given_config(bad, bad.text_.size(), restarted, *config_, errors_, in_use_).code(),
            StatusCode::kInvalidArgument);
  boot();
  EXPECT_EQ(booted(), kGood) << "an invalid file is written but never committed";
  EXPECT_EQ(boot_.sequence, 1u);
}

TEST_F(BootConfigTest, AnInvalidGivenConfigIsNotStored) {
  ASSERT_TRUE(store_.save(kGood).ok());
  Status s = adopt_given_config(R"({"schema":1,"surprise":true})", &store_, *config_, errors_, in_use_);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(errors_.empty());
  boot();
  EXPECT_EQ(booted(), kGood);
  EXPECT_EQ(boot_.sequence, 1u);
}

TEST_F(BootConfigTest, WithoutFlashAGivenConfigIsOnlyParsed) {
  ASSERT_TRUE(adopt_given_config(kGood, nullptr, *config_, errors_, in_use_).ok());
  EXPECT_EQ(config_->check_count, 1);
  EXPECT_EQ(valid(), 0);
}

TEST_F(BootConfigTest, TheFactoryConfigWithoutFlash) {
  load_factory_config(text_, *config_, errors_);
  EXPECT_EQ(booted(), kFactoryConfig);
  EXPECT_TRUE(errors_.empty());
  EXPECT_EQ(config_->text(config_->device_name), "probebox");
  EXPECT_EQ(config_->check_count, 0);
}

TEST_F(BootConfigTest, HoldsComparesTheNewestSlotByteForByte) {
  EXPECT_FALSE(store_.holds(kGood)) << "empty flash";
  ASSERT_TRUE(store_.save(kGood).ok());
  EXPECT_TRUE(store_.holds(kGood));
  std::string changed = kGood;
  changed[changed.size() - 3] = 'x';  // same length, one byte differs
  EXPECT_FALSE(store_.holds(changed));
  EXPECT_FALSE(store_.holds(kGood + " "));
  ASSERT_TRUE(store_.save(changed).ok());
  EXPECT_FALSE(store_.holds(kGood)) << "only the newest slot counts";
}

}  // namespace probebox
