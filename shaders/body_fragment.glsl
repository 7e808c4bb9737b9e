// Body fragment shader: map colour, day/night terminator, eclipse shadows.
// Needs logdepth.glsl and shadow.glsl before it.
// Uniforms: u_texture (map), u_sun_dir (world, unit, toward the Sun), u_eye (world camera
// position), u_minnaert (k: 1 = Lambert, < 1 limb-darkened like Jupiter), u_night (faint
// night-side level). Eclipse shadows come from shadow.glsl, or none from sunlit.glsl.
// Limb anti-aliasing with one sample a pixel (u_smooth = 1; 0 where the framebuffer multisamples):
// the pixel's ray is cast at the true ellipsoid (u_eye_unit, u_to_unit: the eye and the world in
// the body's frame scaled to a unit sphere) and the fragment covers as much of its pixel as lies
// inside the limb, from the ray's closest approach to the centre and how fast that changes across
// the screen (at least u_min_slope a pixel: at the disc's centre the change can vanish). The mesh
// is drawn inflated (body_vertex.glsl) so the pixels the limb only partly covers get fragments;
// those it misses are discarded, and the depth written is the true surface's, not the inflated
// mesh's. A disc a pixel or less across gets a wider ramp (u_ramp < 1) and is scaled to its true
// area (u_cover_scale), so that it neither flickers nor glows as it moves across the pixels.
// The map is read where the ray meets the true surface: the mesh's texture coordinate moved by
// the difference between the longitudes and latitudes (u_radii, u_graphic: the map's latitudes
// are planetographic) of that point and of the mesh point, both along their directions from the
// centre, which inflating the mesh keeps.
uniform sampler2D u_texture;
uniform vec3 u_sun_dir;
uniform vec3 u_eye;
uniform float u_minnaert;
uniform float u_night;
uniform float u_smooth;
uniform vec3 u_eye_unit;
uniform mat3 u_to_unit;
uniform float u_min_slope;
uniform float u_ramp;
uniform float u_cover_scale;
uniform vec3 u_radii;
uniform float u_graphic;
varying vec3 v_world;
varying vec3 v_normal;
varying vec2 v_texcoord;
varying float v_depth;

vec2 lon_lat(vec3 unit_point) {
    vec3 q = u_radii * unit_point;  // body-fixed
    q = mix(q, q / (u_radii * u_radii), u_graphic);  // planetographic: the surface normal's direction
    return vec2(atan(q.y, q.x), atan(q.z, length(q.xy)));
}

float limb_coverage(out float depth, out vec2 map_shift) {
    vec3 along = u_to_unit * (v_world - u_eye);
    float to_mesh = length(along);
    vec3 d = along / to_mesh;
    float t = -dot(u_eye_unit, d);  // to the ray's closest approach to the centre
    vec3 closest = u_eye_unit + t * d;
    float r2 = dot(closest, closest);
    float r = sqrt(r2);  // 1 on the limb
    float per_pixel = max(length(vec2(dFdx(r), dFdy(r))), u_min_slope);
    t -= sqrt(max(1.0 - r2, 0.0));  // to the surface, or to the closest approach where the ray misses
    depth = v_depth * t / to_mesh;  // the same ray: view depth goes as the distance along it
    vec2 shift = lon_lat(u_eye_unit + t * d) - lon_lat(u_eye_unit + along);
    shift.x -= 6.2831853 * floor(shift.x / 6.2831853 + 0.5);  // across the date line
    map_shift = vec2(shift.x / 6.2831853, -shift.y / 3.1415927);
    return clamp(0.5 + u_ramp * (1.0 - r) / per_pixel, 0.0, 1.0) * u_cover_scale;
}

void main() {
    float surface_depth = v_depth;
    vec2 map_shift;
    float cover = mix(1.0, limb_coverage(surface_depth, map_shift), u_smooth);
    if (cover <= 0.0) discard;
    vec3 n = normalize(v_normal);
    vec3 albedo = texture2D(u_texture, v_texcoord + u_smooth * map_shift).rgb;
    float mu0 = dot(n, u_sun_dir);
    float mu = max(dot(n, normalize(u_eye - v_world)), 1e-3);
    float lit = 0.0;
    if (mu0 > 0.0) {
        lit = pow(mu0, u_minnaert) * pow(mu, u_minnaert - 1.0);
        lit *= sun_visible(v_world, u_sun_dir);
    }
    gl_FragColor = vec4(albedo * (min(lit, 1.2) + u_night), cover);
    gl_FragDepth = log_depth(mix(v_depth, surface_depth, u_smooth));
}
