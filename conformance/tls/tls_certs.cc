#include "tls_certs.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <sys/socket.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

namespace evc {
namespace tls {
namespace {

[[noreturn]] void Die(const char* what) {
  fprintf(stderr, "tls_certs: %s failed\n", what);
  ERR_print_errors_fp(stderr);
  abort();
}

void Check(bool ok, const char* what) {
  if (!ok) Die(what);
}

void AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  Check(ext != nullptr && X509_add_ext(cert, ext, -1) == 1, "X509_add_ext");
  X509_EXTENSION_free(ext);
}

// A certificate for `cn` with `key`, signed by issuer_key (self-signed when
// issuer is null), valid from an hour ago for a day.
X509* MakeCert(const char* cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, long serial) {
  X509* cert = X509_new();
  Check(cert != nullptr, "X509_new");
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name);
  X509* signer = issuer ? issuer : cert;
  if (issuer == nullptr) {
    AddExt(cert, signer, NID_basic_constraints, "critical,CA:TRUE");
    AddExt(cert, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddExt(cert, signer, NID_basic_constraints, "critical,CA:FALSE");
    AddExt(cert, signer, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
    AddExt(cert, signer, NID_ext_key_usage, "serverAuth");
  }
  Check(X509_sign(cert, issuer_key, EVP_sha256()) > 0, "X509_sign");
  return cert;
}

struct Identity {
  EVP_PKEY* ca_key;
  X509* ca;
  EVP_PKEY* key;
  X509* leaf;
  Identity() {
    ca_key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    Check(ca_key != nullptr && key != nullptr, "EVP_PKEY_Q_keygen");
    ca = MakeCert("evconform test CA", ca_key, nullptr, ca_key, 1);
    leaf = MakeCert("localhost", key, ca, ca_key, 2);
  }
};

const Identity& Id() {
  static const Identity* id = new Identity;  // kept for the process's life
  return *id;
}

std::string Pem(int (*write)(BIO*, void*), void* obj) {
  BIO* bio = BIO_new(BIO_s_mem());
  Check(bio != nullptr && write(bio, obj) == 1, "PEM write");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

int WriteCert(BIO* b, void* x) { return PEM_write_bio_X509(b, static_cast<X509*>(x)); }
int WriteKey(BIO* b, void* k) {
  return PEM_write_bio_PrivateKey(b, static_cast<EVP_PKEY*>(k), nullptr, nullptr, 0, nullptr, nullptr);
}

int FreeIndex() {
  static const int index = CRYPTO_get_ex_new_index(
      CRYPTO_EX_INDEX_SSL, 0, nullptr, nullptr, nullptr,
      [](void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
        if (ptr) ++*static_cast<int*>(ptr);
      });
  return index;
}

}  // namespace

SSL_CTX* NewCtx(bool server, int min_version, int max_version) {
  const Identity& id = Id();
  SSL_CTX* ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
  Check(ctx != nullptr, "SSL_CTX_new");
  Check(SSL_CTX_set_min_proto_version(ctx, min_version) == 1 &&
            SSL_CTX_set_max_proto_version(ctx, max_version) == 1,
        "SSL_CTX_set_min/max_proto_version");
  if (server) {
    Check(SSL_CTX_use_certificate(ctx, id.leaf) == 1 && SSL_CTX_use_PrivateKey(ctx, id.key) == 1,
          "SSL_CTX_use_certificate/PrivateKey");
  } else {
    Check(X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), id.ca) == 1, "X509_STORE_add_cert");
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  }
  return ctx;
}

SSL_CTX* ServerCtx() {
  static SSL_CTX* ctx = NewCtx(true, 0, 0);
  return ctx;
}

SSL_CTX* ClientCtx() {
  static SSL_CTX* ctx = NewCtx(false, 0, 0);
  return ctx;
}

SSL_CTX* UntrustingClientCtx() {
  static SSL_CTX* ctx = [] {
    SSL_CTX* c = SSL_CTX_new(TLS_client_method());
    Check(c != nullptr, "SSL_CTX_new");
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);  // and an empty store
    return c;
  }();
  return ctx;
}

std::string CaPem() { return Pem(WriteCert, Id().ca); }
std::string LeafPem() { return Pem(WriteCert, Id().leaf); }
std::string LeafKeyPem() { return Pem(WriteKey, Id().key); }

void WatchFree(SSL* ssl, int* frees) { SSL_set_ex_data(ssl, FreeIndex(), frees); }

bool BlockingHandshake(int client_fd, int server_fd, SSL_CTX* client_ctx, SSL_CTX* server_ctx,
                       SSL** client, SSL** server) {
  *client = SSL_new(client_ctx);
  *server = SSL_new(server_ctx);
  SSL_set_fd(*client, client_fd);
  SSL_set_fd(*server, server_fd);
  int accepted = 0;
  std::thread t([&] { accepted = SSL_accept(*server); });
  const int connected = SSL_connect(*client);
  if (connected != 1) shutdown(client_fd, SHUT_RDWR);  // let SSL_accept end
  t.join();
  return connected == 1 && accepted == 1;
}

}  // namespace tls
}  // namespace evc
