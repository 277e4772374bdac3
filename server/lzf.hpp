// lzf.hpp — LZF compression as Redis uses it for RDB/DUMP strings.
//
// The format (Marc Lehmann's liblzf) is a sequence of literal runs (control byte 000LLLLL
// followed by L+1 bytes) and back references (LLLooooo oooooooo, or 111ooooo LLLLLLLL oooooooo
// for longer matches: copy L+2 bytes from `offset+1` bytes back). The compressor reproduces
// liblzf's choices (16-bit hash of 3 bytes, "very fast" rehash after a match) so that DUMP
// payloads are byte-identical to Redis's.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace gorodis {

// Compresses `input` into at most `max_output` bytes; nullopt when it does not fit.
std::optional<std::string> lzf_compress(std::string_view input, std::size_t max_output);

// Decompresses into exactly `output_length` bytes; nullopt for corrupt input or a size mismatch.
std::optional<std::string> lzf_decompress(std::string_view input, std::size_t output_length);

}  // namespace gorodis
