#include "security/self_signed_certificate.h"

#include "security/secure_file.h"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <functional>
#include <memory>
#include <stdexcept>

namespace eddy::security {

namespace {

[[noreturn]] void fail(std::string_view what) {
    const unsigned long code = ERR_get_error();
    char reason[256] = "unknown error";
    if (code != 0) {
        ERR_error_string_n(code, reason, sizeof(reason));
    }
    ERR_clear_error();
    throw std::runtime_error(fmt::format("self-signed certificate: {}: {}", what, reason));
}

void check(int ok, std::string_view what) {
    if (ok <= 0) {
        fail(what);
    }
}

std::string pemOf(const std::function<int(BIO*)>& write, std::string_view what) {
    const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    check(bio ? write(bio.get()) : 0, what);
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return {data, static_cast<size_t>(length)};
}

void addExtension(X509* certificate, int nid, const std::string& value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
    if (extension == nullptr) {
        fail(fmt::format("extension '{}'", value));
    }
    const int added = X509_add_ext(certificate, extension, -1);
    X509_EXTENSION_free(extension);
    check(added, "add extension");
}

}  // namespace

PemCertificate makeSelfSignedCertificate(const CertificateNames& names,
                                         std::chrono::hours validity) {
    ERR_clear_error();
    const std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"),
                                                                  &EVP_PKEY_free);
    if (!key) {
        fail("P-256 key");
    }
    const std::unique_ptr<X509, decltype(&X509_free)> certificate(X509_new(), &X509_free);
    if (!certificate) {
        fail("X509_new");
    }
    check(X509_set_version(certificate.get(), X509_VERSION_3), "version");
    unsigned char serial[16];
    check(RAND_bytes(serial, sizeof(serial)), "serial number");
    serial[0] &= 0x7f;  // a positive serial number
    BIGNUM* number = BN_bin2bn(serial, sizeof(serial), nullptr);
    const int serial_set =
        number != nullptr &&
        BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate.get())) != nullptr;
    BN_free(number);
    check(serial_set ? 1 : 0, "serial number");
    check(X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -3600) != nullptr ? 1 : 0,
          "not before");
    check(X509_gmtime_adj(
              X509_getm_notAfter(certificate.get()),
              static_cast<long>(
                  std::chrono::duration_cast<std::chrono::seconds>(validity).count())) != nullptr
              ? 1
              : 0,
          "not after");
    check(X509_set_pubkey(certificate.get(), key.get()), "public key");
    X509_NAME* subject = X509_get_subject_name(certificate.get());
    check(X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>("eddy development"), -1,
                                     -1, 0),
          "organisation");
    check(X509_NAME_add_entry_by_txt(
              subject, "CN", MBSTRING_UTF8,
              reinterpret_cast<const unsigned char*>(names.common_name.c_str()), -1, -1, 0),
          "common name");
    check(X509_set_issuer_name(certificate.get(), subject), "issuer");

    std::string alternative;
    for (const auto& name : names.dns_names) {
        alternative += (alternative.empty() ? "DNS:" : ",DNS:") + name;
    }
    for (const auto& address : names.ip_addresses) {
        alternative += (alternative.empty() ? "IP:" : ",IP:") + address;
    }
    addExtension(certificate.get(), NID_basic_constraints, "critical,CA:TRUE");
    addExtension(certificate.get(), NID_key_usage, "critical,digitalSignature,keyCertSign");
    addExtension(certificate.get(), NID_ext_key_usage, "serverAuth");
    addExtension(certificate.get(), NID_subject_key_identifier, "hash");
    if (!alternative.empty()) {
        addExtension(certificate.get(), NID_subject_alt_name, alternative);
    }
    check(X509_sign(certificate.get(), key.get(), EVP_sha256()), "sign");

    PemCertificate pem;
    pem.certificate = pemOf([&](BIO* bio) { return PEM_write_bio_X509(bio, certificate.get()); },
                            "certificate PEM");
    pem.private_key = pemOf(
        [&](BIO* bio) {
            return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
        },
        "key PEM");
    return pem;
}

void writeSelfSignedCertificate(const PemCertificate& pem, const std::string& certificate_file,
                                const std::string& key_file) {
    std::string error;
    if (!writeSecureFile(key_file, pem.private_key, error)) {
        throw std::runtime_error(fmt::format("cannot write '{}': {}", key_file, error));
    }
    if (!writeSecureFile(certificate_file, pem.certificate, error)) {
        throw std::runtime_error(fmt::format("cannot write '{}': {}", certificate_file, error));
    }
}

}  // namespace eddy::security
