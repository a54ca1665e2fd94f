import { crudRoutes } from "@/lib/api/crud-routes";
import { userService } from "@/lib/services/users";

// /api/users/users/{id}/ – one person (admins only).
export const { GET, PUT, PATCH, DELETE } = crudRoutes("users.user", userService).detail;
