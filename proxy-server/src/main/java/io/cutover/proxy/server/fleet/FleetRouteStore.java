package io.cutover.proxy.server.fleet;

import io.cutover.proxy.core.routing.RouteStore;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.routing.RouteTableJson;
import io.cutover.proxy.core.routing.Routes;

/**
 * The route table in the fleet's state topic. Saving is a compare-and-set on the table's version
 * across every instance, not only this one: two operators changing routes through two instances at
 * the same moment get one success and one conflict (HTTP 409), as through one instance.
 */
public final class FleetRouteStore implements RouteStore {
    public static final String ENTITY = "routes";

    private final FleetState state;

    public FleetRouteStore(FleetState state) {
        this.state = state;
    }

    @Override
    public RouteTable load() {
        StateEntry e = state.entry(ENTITY);
        return e == null ? null : RouteTableJson.tableFromJson(e.body());
    }

    @Override
    public void save(RouteTable table) {
        try {
            state.compareAndSet(ENTITY, table.version() - 1, RouteTableJson.toJson(table));
        } catch (StateConflictException e) {
            throw new Routes.VersionConflictException(table.version() - 1, e.currentVersion());
        } catch (StateUnavailableException e) {
            throw new Routes.StoreUnavailableException(e.getMessage(), e);
        }
    }

    /** Makes every route change stored by another instance live here too, with the same listeners as a local change. */
    public void follow(Routes routes) {
        state.onChange(ENTITY, e -> routes.adopt(RouteTableJson.tableFromJson(e.body())));
    }
}
