// Body fragment shader: map colour, day/night terminator, eclipse shadows.
// Needs logdepth.glsl and shadow.glsl before it.
// Uniforms: u_texture (map), u_sun_dir (world, unit, toward the Sun), u_eye (world camera
// position), u_minnaert (k: 1 = Lambert, < 1 limb-darkened like Jupiter), u_night (faint
// night-side level). Eclipse shadows come from shadow.glsl, or none from sunlit.glsl.
// Limb anti-aliasing with one sample a pixel (u_smooth = 1; 0 where the framebuffer multisamples):
// the pixel's ray is cast at the true ellipsoid (u_eye_unit, u_to_unit: the eye and the world in
// the body's frame scaled to a unit sphere) and the fragment covers as much of its pixel as lies
// inside the limb, from the ray's closest approach to the centre and how fast that changes across
// the screen. The mesh is drawn inflated (body_vertex.glsl) so the pixels the limb only partly
// covers get fragments; those it misses are discarded.
uniform sampler2D u_texture;
uniform vec3 u_sun_dir;
uniform vec3 u_eye;
uniform float u_minnaert;
uniform float u_night;
uniform float u_smooth;
uniform vec3 u_eye_unit;
uniform mat3 u_to_unit;
varying vec3 v_world;
varying vec3 v_normal;
varying vec2 v_texcoord;
varying float v_depth;

float limb_coverage() {
    vec3 d = normalize(u_to_unit * (v_world - u_eye));
    float r = length(u_eye_unit - dot(u_eye_unit, d) * d);  // 1 on the limb
    float per_pixel = length(vec2(dFdx(r), dFdy(r)));
    return clamp(0.5 + (1.0 - r) / max(per_pixel, 1e-7), 0.0, 1.0);
}

void main() {
    float cover = mix(1.0, limb_coverage(), u_smooth);
    if (cover <= 0.0) discard;
    vec3 n = normalize(v_normal);
    vec3 albedo = texture2D(u_texture, v_texcoord).rgb;
    float mu0 = dot(n, u_sun_dir);
    float mu = max(dot(n, normalize(u_eye - v_world)), 1e-3);
    float lit = 0.0;
    if (mu0 > 0.0) {
        lit = pow(mu0, u_minnaert) * pow(mu, u_minnaert - 1.0);
        lit *= sun_visible(v_world, u_sun_dir);
    }
    gl_FragColor = vec4(albedo * (min(lit, 1.2) + u_night), cover);
    gl_FragDepth = log_depth(v_depth);
}
