import { crudRoutes } from "@/lib/api/crud-routes";
import { userService } from "@/lib/services/users";

// /api/users/users/ – people (admins only).
export const { GET, POST } = crudRoutes("users.user", userService).list;
