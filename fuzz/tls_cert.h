// A self-signed certificate for a key, made in memory (no key files in the
// repository): for the tls_read fuzz target and bench/tls_bench.cc. Valid
// from now for a day; `md` is the signature digest (nullptr for Ed25519).
// Only OpenSSL 1.1.1 calls, for the ClusterFuzzLite image (Ubuntu 20.04).
#ifndef EVC_FUZZ_TLS_CERT_H
#define EVC_FUZZ_TLS_CERT_H

#include <openssl/evp.h>
#include <openssl/x509.h>

namespace evc {

inline X509* SelfSigned(EVP_PKEY* key, const char* common_name, const EVP_MD* md) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name),
                             -1, -1, 0);
  X509_set_issuer_name(cert, name);
  if (key == nullptr || X509_sign(cert, key, md) == 0) {
    X509_free(cert);
    return nullptr;
  }
  return cert;
}

}  // namespace evc

#endif  // EVC_FUZZ_TLS_CERT_H
