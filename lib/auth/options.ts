import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { getDb } from "@/db";
import type { UserRole } from "@/db/schema";
import { sessionSecret } from "@/lib/crypto/app-key";
import { authenticateUser } from "@/lib/services/users";

declare module "next-auth" {
  interface Session {
    user: { id: number; name: string; role: UserRole };
  }
  interface User {
    role: UserRole;
  }
}
declare module "next-auth/jwt" {
  interface JWT {
    uid?: number;
    role?: UserRole;
  }
}

// Without NEXTAUTH_URL, next-auth derives its URL from the request's Host header: the app is
// self-hosted behind whatever name the operator gives it.
process.env.AUTH_TRUST_HOST ??= "true";

export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

/** Built per call: the secret comes from the app key, which may be generated at first start. */
export function getAuthOptions(): NextAuthOptions {
  return {
    secret: sessionSecret(),
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    pages: { signIn: "/login/", error: "/login/" },
    providers: [
      CredentialsProvider({
        id: "credentials",
        name: "Username and password",
        credentials: { username: { label: "Username", type: "text" }, password: { label: "Password", type: "password" } },
        async authorize(credentials) {
          const username = credentials?.username?.trim();
          const password = credentials?.password;
          if (!username || !password || username.length > 150 || password.length > 256) return null;
          const user = await authenticateUser(await getDb(), username, password);
          return user ? { id: String(user.id), name: user.username, role: user.role } : null;
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user) {
          token.uid = Number(user.id);
          token.role = user.role;
        }
        return token;
      },
      session({ session, token }) {
        session.user = { id: token.uid ?? 0, name: token.name ?? "", role: token.role ?? "viewer" };
        return session;
      },
    },
  };
}
